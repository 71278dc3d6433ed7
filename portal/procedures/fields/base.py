"""The field-type contract: every field type knows how to render, parse, validate, summarise and export.

A field type is a subclass of ``FieldType`` registered with ``@register``. Adding a type is one new
module in this package plus its import in ``portal/procedures/fields/__init__.py``.

Values:
- ``raw``  what the browser sent, kept so a failed validation redisplays exactly what was typed
           (a ``dict[str, str | list[str]]`` keyed by HTML input name suffix; see ``input_names``).
- ``value`` the parsed, normalised, JSON-serialisable answer stored in drafts and submissions.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from portal.i18n import localized
from portal.procedures.localized_text import LOCALIZED_TEXT  # noqa: F401  (the field types' text schema)

REGISTRY: dict[str, type[FieldType]] = {}


def register(cls: type[FieldType]) -> type[FieldType]:
    if cls.type_name in REGISTRY:
        raise ValueError(f"field type {cls.type_name!r} registered twice")
    REGISTRY[cls.type_name] = cls
    return cls


def field_for(spec: dict) -> FieldType:
    return REGISTRY[spec["type"]](spec)


@dataclass
class Parsed:
    """Result of ``FieldType.parse``: the value (``None`` when empty) and any error messages."""

    value: Any = None
    raw: dict = dc_field(default_factory=dict)
    errors: list[str] = dc_field(default_factory=list)


@dataclass
class UploadContext:
    """What a file field needs to store an upload; passed to ``parse`` as ``files_ctx``."""

    store: Any  # callable(FileStorage, field_id) -> dict describing the stored file (token, name, size, type)
    max_bytes: int


class FieldType:
    type_name: ClassVar[str]
    #: JSON-schema ``properties`` this type accepts in its spec, beyond the common ones
    #: (id, type, label, hint, required, prefill, locked, when, width).
    spec_properties: ClassVar[dict] = {}
    #: template under ``portal/procedures/templates/fields/`` that renders the input
    template: ClassVar[str] = "fields/text.html"
    #: parsing it stores an upload through ``UploadContext``; a file chosen before comes back as
    #: ``{"token": …, KEEP: True}``, which the page's owner must check (``portal/procedures/uploads.py``)
    stores_upload: ClassVar[bool] = False

    def __init__(self, spec: dict):
        self.spec = spec
        self.id: str = spec["id"]
        self.required: bool = bool(spec.get("required", False))
        #: (choice field, option value) pairs whose choice makes this field required; set by the definition
        self.detail_of: list[tuple[FieldType, str]] = []

    # --- presentation -------------------------------------------------------------------------
    @property
    def label(self) -> str:
        return localized(self.spec.get("label"))

    @property
    def hint(self) -> str:
        return localized(self.spec.get("hint"))

    def input_names(self) -> list[str]:
        """HTML input names this field posts; the first is the one error-summary links point at."""
        return [self.id]

    def raw_from_value(self, value: Any) -> dict:
        """Turn a stored value back into ``raw`` for re-displaying the input (drafts, prefill)."""
        return {self.id: "" if value is None else str(value)}

    # --- input --------------------------------------------------------------------------------
    def parse(self, form: MultiDict, files: MultiDict | None = None, files_ctx: UploadContext | None = None) -> Parsed:
        raw = {self.id: form.get(self.id, "")}
        text = raw[self.id].strip()
        if not text:
            return self._empty(raw)
        return Parsed(value=text, raw=raw, errors=self.validate(text))

    def _empty(self, raw: dict) -> Parsed:
        errors = [self.required_message()] if self.required else []
        return Parsed(value=None, raw=raw, errors=errors)

    def required_message(self) -> str:
        return str(_l("%(label)sを入力してください", label=self.label))

    @property
    def required_if_chosen(self) -> list[str]:
        """Labels of the options that make this field required (shown beside its label)."""
        return [choice.option_label(value) for choice, value in self.detail_of]

    def detail_required_message(self, option_label: str) -> str:
        return str(_l("「%(option)s」を選んだ場合は、%(label)sを入力してください", option=option_label,
                      label=self.label))

    def required_details(self, value: Any) -> list[tuple[str, str]]:
        """``(option label, field id)`` of the fields this answer makes required (a choice's 「その他」 and
        its detail text); checked across the step by the journey."""
        return []

    def validate(self, value: Any) -> list[str]:
        """Checks on a parsed, non-empty value; return messages that name the field."""
        return []

    # --- output -------------------------------------------------------------------------------
    def summary(self, value: Any) -> str:
        """One human-readable line for check-your-answers, the resident's page and staff."""
        return "" if value is None else str(value)

    def export(self, value: Any) -> dict[str, str]:
        """Columns for CSV export: ``{column_suffix: text}``; '' is the field's own column."""
        return {"": self.summary(value)}

    # --- server-side actions (work without JavaScript) ------------------------------------------
    def perform_action(self, form: MultiDict) -> tuple[dict, list[str]]:
        """Run this field's in-page action (e.g. the address field's 「住所を検索」 button).

        The journey view calls this, instead of validating the step, when the posted
        ``field_action`` names this field. Returns the new ``raw`` to re-display the step with,
        and messages to show on the field (empty when the action succeeded).
        """
        raise NotImplementedError(f"field type {self.type_name!r} has no action")

    @property
    def has_action(self) -> bool:
        return type(self).perform_action is not FieldType.perform_action
