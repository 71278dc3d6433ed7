"""Choosing from a list: ``choice`` (one, radios or a select) and ``choices`` (several, checkboxes)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _, ngettext

from portal.i18n import current_lang, localized

from .base import LOCALIZED_TEXT, FieldType, Parsed, register

OPTIONS_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["value", "label"],
        "properties": {
            "value": {"type": ["string", "integer"]},
            "label": LOCALIZED_TEXT,
            "hint": LOCALIZED_TEXT,
            # a text field later in the same step that must be filled when this option is chosen
            # (「その他」 → 具体的に); checked when the definition is loaded
            "detail": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
        },
        "additionalProperties": False,
    },
}


class _OptionsMixin:
    spec: dict

    @property
    def options(self) -> list[dict]:
        """``[{"value": str, "label": str, "hint": str}]`` with texts in the current language."""
        return [{"value": str(o["value"]), "label": localized(o.get("label")) or str(o["value"]),
                 "hint": localized(o.get("hint"))}
                for o in self.spec.get("options") or []]

    def option_label(self, value: str) -> str:
        for option in self.options:
            if option["value"] == str(value):
                return option["label"]
        return str(value)

    def required_message(self) -> str:
        return _("%(label)sを選んでください", label=self.label)

    def required_details(self, value: Any) -> list[tuple[str, str]]:
        chosen = {str(v) for v in (value if isinstance(value, list) else [value])}
        return [(localized(o.get("label")) or str(o["value"]), o["detail"])
                for o in self.spec.get("options") or [] if o.get("detail") and str(o["value"]) in chosen]

    def _unknown_message(self) -> str:
        return _("%(label)sは表示されている選択肢から選んでください", label=self.label)


@register
class ChoiceField(_OptionsMixin, FieldType):
    """One answer from a list. Spec: ``options: [{value, label}]``, ``widget: radios`` (default)
    or ``select``. Value: the chosen option's value as a string."""

    type_name = "choice"
    template = "fields/choice.html"
    spec_properties = {
        "options": OPTIONS_SCHEMA,
        "widget": {"enum": ["radios", "select"]},
    }

    @property
    def widget(self) -> str:
        return self.spec.get("widget") or "radios"

    def parse(self, form, files=None, files_ctx=None) -> Parsed:
        raw = {self.id: form.get(self.id, "")}
        value = raw[self.id].strip()
        if not value:
            return self._empty(raw)
        return Parsed(value=value, raw=raw, errors=self.validate(value))

    def validate(self, value: Any) -> list[str]:
        if str(value) not in {o["value"] for o in self.options}:
            return [self._unknown_message()]
        return []

    def summary(self, value: Any) -> str:
        return "" if value is None else self.option_label(value)

    def export(self, value: Any) -> dict[str, str]:
        return {"": self.summary(value)}


@register
class ChoicesField(_OptionsMixin, FieldType):
    """Any number of answers from a list (checkboxes). Spec: ``options``, ``min_selected``,
    ``max_selected``. Value: ``list[str]`` of option values in the options' order (``None`` when
    nothing is ticked). ``required`` means at least one (or ``min_selected``)."""

    type_name = "choices"
    template = "fields/choices.html"
    spec_properties = {
        "options": OPTIONS_SCHEMA,
        "min_selected": {"type": "integer", "minimum": 1},
        "max_selected": {"type": "integer", "minimum": 1},
    }

    def raw_from_value(self, value: Any) -> dict:
        return {self.id: [str(v) for v in value or []]}

    def parse(self, form, files=None, files_ctx=None) -> Parsed:
        chosen = [v for v in form.getlist(self.id) if v.strip()]
        raw = {self.id: chosen}
        if not chosen:
            return self._empty(raw)
        order = [o["value"] for o in self.options]
        unique = [v for v in order if v in chosen]
        if len(unique) != len(set(chosen)):
            return Parsed(value=None, raw=raw, errors=[self._unknown_message()])
        return Parsed(value=unique, raw=raw, errors=self.validate(unique))

    def validate(self, value: Any) -> list[str]:
        known = {o["value"] for o in self.options}
        if any(str(v) not in known for v in value):
            return [self._unknown_message()]
        low, high = self.spec.get("min_selected"), self.spec.get("max_selected")
        if low and len(value) < low:
            return [ngettext("%(label)sは%(num)s個以上選んでください", "%(label)sは%(num)s個以上選んでください",
                             low, label=self.label)]
        if high and len(value) > high:
            return [ngettext("%(label)sは%(num)s個まで選んでください", "%(label)sは%(num)s個まで選んでください",
                             high, label=self.label)]
        return []

    def summary(self, value: Any) -> str:
        separator = ", " if current_lang() == "en" else "、"
        return separator.join(self.option_label(v) for v in value or [])

    def export(self, value: Any) -> dict[str, str]:
        return {"": self.summary(value)}
