"""A whole number, e.g. the number of copies (通数)."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import gettext as _

from portal.i18n import current_lang, localized, localized_count

from .base import LOCALIZED_TEXT, FieldType, Parsed, register

_NUMBER = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+|[-+]?\d+")


@register
class NumberField(FieldType):
    """An integer. Spec: ``min``, ``max``, ``unit`` (e.g. 通 or ``{ja: 通, en: copies}``) shown
    after the input. Accepts full-width digits and thousands separators. Value: ``int``."""

    type_name = "number"
    template = "fields/number.html"
    spec_properties = {
        "min": {"type": "integer"},
        "max": {"type": "integer"},
        "unit": LOCALIZED_TEXT,
    }

    @property
    def unit(self) -> str:
        return localized(self.spec.get("unit"))

    @property
    def width_class(self) -> str:
        """``input--short`` for up to 4 digits, ``input--medium`` beyond."""
        width = self.spec.get("width")
        if width in ("short", "medium"):
            return f"input--{width}"
        high, low = self.spec.get("max"), self.spec.get("min")
        digits = max(len(str(abs(high))) if high is not None else 5, len(str(low)) if low is not None else 0)
        return "input--short" if digits <= 4 else "input--medium"

    def parse(self, form, files=None, files_ctx=None) -> Parsed:
        raw = {self.id: form.get(self.id, "")}
        text = unicodedata.normalize("NFKC", raw[self.id]).strip().replace("\u2212", "-")
        if not text:
            return self._empty(raw)
        if not _NUMBER.fullmatch(text):
            return Parsed(value=None, raw=raw, errors=[self._range_message() or
                          _("%(label)sは数字で入力してください", label=self.label)])
        value = int(text.replace(",", ""))
        return Parsed(value=value, raw=raw, errors=self.validate(value))

    def _range_message(self) -> str:
        low, high = self.spec.get("min"), self.spec.get("max")
        if low is not None and high is not None:
            return _("%(label)sは%(min)sから%(max)sまでの数字で入力してください", label=self.label, min=low, max=high)
        if low is not None:
            return _("%(label)sは%(min)s以上の数字で入力してください", label=self.label, min=low)
        if high is not None:
            return _("%(label)sは%(max)s以下の数字で入力してください", label=self.label, max=high)
        return ""

    def validate(self, value: Any) -> list[str]:
        low, high = self.spec.get("min"), self.spec.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            return [self._range_message()]
        return []

    def summary(self, value: Any) -> str:
        if value is None or value == "":
            return ""
        text = f"{int(value):,}"
        unit = localized_count(self.spec.get("unit"), int(value))
        if not unit:
            return text
        return f"{text} {unit}" if current_lang() == "en" else f"{text}{unit}"

    def export(self, value: Any) -> dict[str, str]:
        return {"": "" if value is None else str(value)}
