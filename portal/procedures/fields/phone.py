"""Japanese telephone number."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import gettext as _

from .base import FieldType, Parsed, register

# Separators residents type between digit groups, after NFKC: hyphens and dashes (including the
# katakana ー that Japanese IMEs often produce), spaces, dots, parentheses.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc.()]")
_ALLOWED = re.compile(r"\+?[0-9\s\-\u2010-\u2015\u2212\u30fc.()]+")

#: prefixes of 11-digit numbers; every other number is 10 digits
ELEVEN_DIGIT_PREFIXES = ("020", "050", "060", "070", "080", "090", "0800")
MOBILE_PREFIXES = ("020", "050", "060", "070", "080", "090")  # shown 3-4-4
# Prefixes whose grouping does not depend on the (variable-length) area code.
_FIXED_GROUPS = {
    "0120": (4, 3, 3),
    "0570": (4, 3, 3),
    "0990": (4, 3, 3),
    "0800": (4, 3, 4),
    "03": (2, 4, 4),  # Tokyo (23 wards): always a two-digit area code
    "06": (2, 4, 4),  # Osaka: likewise
}


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
    """Hyphenate where the grouping is certain (mobile/IP 3-4-4, 0120, 0570, 0800, 03, 06);
    other landlines have area codes of varying length, so they are shown as plain digits."""
    if not digits:
        return ""
    groups: tuple[int, ...] | None = None
    if len(digits) == 11 and digits.startswith(MOBILE_PREFIXES) and not digits.startswith("0800"):
        groups = (3, 4, 4)
    else:
        for prefix, grouping in _FIXED_GROUPS.items():
            if digits.startswith(prefix) and sum(grouping) == len(digits):
                groups = grouping
                break
    if groups is None:
        return digits
    parts, start = [], 0
    for size in groups:
        parts.append(digits[start:start + size])
        start += size
    return "-".join(parts)


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
