"""Free text: ``text`` (one line) and ``textarea`` (several lines)."""
from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _

from portal.i18n import localized

from .base import LOCALIZED_TEXT, FieldType, Parsed, register

# Control characters other than tab / newline never belong in an answer.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@register
class TextField(FieldType):
    """One line of text. Spec: ``max_length`` (200), ``pattern`` (a regular expression the whole
    answer must match) + ``pattern_message``, ``autocomplete`` (e.g. ``name``), ``inputmode``.
    Value: the stripped string."""

    type_name = "text"
    template = "fields/text.html"
    default_max_length = 200
    spec_properties = {
        "max_length": {"type": "integer", "minimum": 1},
        "pattern": {"type": "string", "format": "regex"},
        "pattern_message": LOCALIZED_TEXT,
        "autocomplete": {"type": "string"},
        "inputmode": {"enum": ["text", "numeric", "decimal", "email", "tel", "url", "search"]},
        "spellcheck": {"type": "boolean"},
    }

    @property
    def max_length(self) -> int:
        return int(self.spec.get("max_length") or self.default_max_length)

    @property
    def autocomplete(self) -> str:
        return self.spec.get("autocomplete") or ""

    def clean(self, text: str) -> str:
        return _CONTROL.sub("", text).strip()

    def parse(self, form, files=None, files_ctx=None) -> Parsed:
        raw = {self.id: form.get(self.id, "")}
        text = self.clean(raw[self.id])
        if not text:
            return self._empty(raw)
        return Parsed(value=text, raw=raw, errors=self.validate(text))

    def validate(self, value: Any) -> list[str]:
        if len(value) > self.max_length:
            return [_("%(label)sは%(max)s文字以内で入力してください", label=self.label, max=self.max_length)]
        pattern = self.spec.get("pattern")
        if pattern and not re.fullmatch(pattern, value):
            message = localized(self.spec.get("pattern_message"))
            return [message or _("%(label)sを正しい形式で入力してください", label=self.label)]
        return []


@register
class TextareaField(TextField):
    """Several lines of text. Spec: ``max_length`` (2000), ``rows`` (5).
    Value: the string with line endings normalised to ``\\n``."""

    type_name = "textarea"
    template = "fields/textarea.html"
    default_max_length = 2000
    spec_properties = {
        "max_length": {"type": "integer", "minimum": 1},
        "rows": {"type": "integer", "minimum": 2, "maximum": 30},
        "autocomplete": {"type": "string"},
        "spellcheck": {"type": "boolean"},
    }

    @property
    def rows(self) -> int:
        return int(self.spec.get("rows") or 5)

    def clean(self, text: str) -> str:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return _CONTROL.sub("", text).strip()

    def validate(self, value: Any) -> list[str]:
        if len(value) > self.max_length:
            return [_("%(label)sは%(max)s文字以内で入力してください", label=self.label, max=self.max_length)]
        return []
