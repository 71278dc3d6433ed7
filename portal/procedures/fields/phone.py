"""Japanese telephone number."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

import phonenumbers
from flask_babel import gettext as _

from .base import FieldType, Parsed, register

# Separators residents type between digit groups, after NFKC has made full-width characters half-width:
# hyphens and dashes of every width (‐ ‑ ‒ – — ― − ⁃ ─, the katakana ー that Japanese IMEs often produce,
# a soft hyphen), spaces, dots, parentheses. They are all dropped: the stored number is digits only and
# is shown grouped the same way however it was typed (``format_phone``).
_DASHES = "\\-\u00ad\u2010-\u2015\u2043\u2212\u2500\u30fc"
_SEPARATORS = re.compile(rf"[\s{_DASHES}.()]")
_ALLOWED = re.compile(rf"\+?[0-9\s{_DASHES}.()]+")

#: prefixes of 11-digit numbers; every other number is 10 digits
ELEVEN_DIGIT_PREFIXES = ("020", "050", "060", "070", "080", "090", "0800")


def normalise_phone(text: str) -> tuple[str | None, str]:
    """``(digits, problem)``: the number as 0-prefixed digits, or None and why not
    (``"chars"`` unexpected characters, ``"foreign"`` a non-Japanese country code, ``"length"``)."""
    text = unicodedata.normalize("NFKC", text).strip()
    text = text.replace("\uff70", "\u30fc")
    if not _ALLOWED.fullmatch(text):
        return None, "chars"
    digits = _SEPARATORS.sub("", text)
    if digits.startswith("+"):
        if not digits.startswith("+81"):
            return None, "foreign"
        # +81 90-1234-5678 and +81 (0)90 1234 5678 both mean 090-1234-5678
        rest = digits[3:]
        digits = rest if rest.startswith("0") else "0" + rest
    if "+" in digits:
        return None, "chars"
    if not digits.startswith("0") or digits.startswith("00"):
        return None, "length"
    expected = 11 if digits.startswith(ELEVEN_DIGIT_PREFIXES) else 10
    if len(digits) != expected:
        return None, "length"
    return digits, ""


def format_phone(digits: str) -> str:
    """The number as Japanese numbers are written: 090-1234-5678, 0586-28-8100, 052-762-1111, 0120-123-456.

    Where the area code ends depends on the number (0586 is one area code, 052 another), so the grouping
    comes from the numbering plan libphonenumber carries, never from how the person happened to type it.
    A number the plan does not know is shown as plain digits rather than grouped wrongly."""
    if not digits:
        return ""
    try:
        number = phonenumbers.parse(digits, "JP")
    except phonenumbers.NumberParseException:
        return digits
    if not phonenumbers.is_valid_number(number):
        return digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


@register
class PhoneField(FieldType):
    """Telephone number in Japan. Spec: nothing beyond the common keys.
    Value: digits only, starting with 0 (``+81`` converted), e.g. ``09012345678``."""

    type_name = "phone"
    template = "fields/phone.html"
    spec_properties = {}

    def parse(self, form, files=None, files_ctx=None) -> Parsed:
        raw = {self.id: form.get(self.id, "")}
        if not raw[self.id].strip():
            return self._empty(raw)
        digits, problem = normalise_phone(raw[self.id])
        if digits is None:
            return Parsed(value=None, raw=raw, errors=[self._message(problem)])
        return Parsed(value=digits, raw=raw)

    def _message(self, problem: str) -> str:
        if problem == "chars":
            return _("%(label)sは数字とハイフンで入力してください（例：090-1234-5678）", label=self.label)
        if problem == "foreign":
            return _("%(label)sは日本国内の電話番号を入力してください", label=self.label)
        return _("%(label)sは市外局番から、10桁か11桁の数字で入力してください（例：090-1234-5678）",
                 label=self.label)

    def validate(self, value: Any) -> list[str]:
        digits, problem = normalise_phone(str(value))
        return [] if digits else [self._message(problem)]

    def raw_from_value(self, value: Any) -> dict:
        return {self.id: format_phone(value) if value else ""}

    def summary(self, value: Any) -> str:
        return format_phone(value) if value else ""
