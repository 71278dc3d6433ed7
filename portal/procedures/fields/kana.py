"""Furigana (フリガナ): normalised to full-width katakana."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

import jaconv
from flask_babel import gettext as _

from portal.i18n import current_lang

from .base import FieldType, Parsed, register

# Full-width katakana (ァ..ヺ), the middle dot ・, the long vowel mark ー and iteration marks ヽヾ.
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fb\u30fc\u30fd\u30fe]+")
# Full-width dashes that IMEs and older systems produce where ー was meant (コ－ヒ－). Replaced only
# right after a kana, and before NFKC; a plain ASCII "-" is rejected rather than guessed at.
_DASHES = "\uff0d\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_DASH_AFTER_KANA = re.compile(r"(?<=[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc-\u30fe\uff66-\uff9f])["
                              + _DASHES + r"]")


def normalise_kana(text: str) -> str:
    """Hiragana, half-width and full-width katakana → full-width katakana; any run of spaces
    (half or full width) → one full-width space. Characters that are not kana are left as they are."""
    text = _DASH_AFTER_KANA.sub("ー", text)
    text = unicodedata.normalize("NFKC", text)  # ｶﾞ → ガ, ｰ → ー, full-width space → space
    text = jaconv.hira2kata(text)
    return "\u3000".join(text.split())


def invalid_characters(katakana: str) -> list[str]:
    """The distinct characters of a normalised value that are not katakana, in order of appearance."""
    seen: list[str] = []
    for ch in _KATAKANA.sub("", katakana.replace("\u3000", "")):
        if ch not in seen:
            seen.append(ch)
    return seen


@register
class KanaField(FieldType):
    """Furigana. Spec: ``max_length`` (100), ``autocomplete`` (none by default; e.g.
    ``family-name`` is wrong for kana, so leave it unset unless you mean it).
    Value: full-width katakana with one full-width space between words, e.g. ``ヤマダ　タロウ``."""

    type_name = "kana"
    template = "fields/kana.html"
    spec_properties = {
        "max_length": {"type": "integer", "minimum": 1},
        "autocomplete": {"type": "string"},
    }

    @property
    def max_length(self) -> int:
        return int(self.spec.get("max_length") or 100)

    @property
    def autocomplete(self) -> str:
        return self.spec.get("autocomplete") or ""

    def parse(self, form, files=None, files_ctx=None) -> Parsed:
        raw = {self.id: form.get(self.id, "")}
        value = normalise_kana(raw[self.id])
        if not value:
            return self._empty(raw)
        return Parsed(value=value, raw=raw, errors=self.validate(value))

    def validate(self, value: Any) -> list[str]:
        bad = invalid_characters(value)
        if bad:
            shown = (", ".join(f"“{ch}”" for ch in bad[:5]) if current_lang() == "en"
                     else "、".join(f"「{ch}」" for ch in bad[:5]))
            return [_("%(label)sはカタカナかひらがなで入力してください（使えない文字：%(chars)s）",
                      label=self.label, chars=shown)]
        if len(value) > self.max_length:
            return [_("%(label)sは%(max)s文字以内で入力してください", label=self.label, max=self.max_length)]
        return []
