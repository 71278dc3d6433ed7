"""A Japanese address in parts, with postal-code lookup that works without JavaScript."""
from __future__ import annotations

import re
from typing import Any

import jaconv
from flask_babel import gettext as _

from portal.procedures import postal

from .base import FieldType, Parsed, register

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
    "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
    "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
    "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
)

#: the parts in display order; each is posted as ``<id>__<part>``
PARTS = ("postal_code", "prefecture", "city", "town", "line", "building")
MAX_PART_LENGTH = 100
_DASH_BETWEEN_DIGITS = re.compile(r"(?<=\d)\s*[\u30fc\uff0d\u2010-\u2015\u2212\uff70]\s*(?=\d)")


def clean_part(text: str) -> str:
    """Half-width katakana → full-width; full-width ASCII letters/digits → half-width; dashes
    between digits → "-"; spaces collapsed. Kanji are left alone (no NFKC: it would replace 異体字)."""
    text = jaconv.h2z(text or "", kana=True, ascii=False, digit=False)
    text = jaconv.z2h(text, kana=False, ascii=True, digit=True)
    text = _DASH_BETWEEN_DIGITS.sub("-", text)
    return " ".join(text.split())


@register
class AddressField(FieldType):
    """Address in Japan. Spec: ``lookup`` (default true: show 「住所を検索」).
    Inputs ``<id>__postal_code``, ``__prefecture`` (select of the 47), ``__city``, ``__town``,
    ``__line`` (番地), ``__building`` (optional). Value: ``{"postal_code": "491-8501",
    "prefecture", "city", "town", "line", "building"}`` (all strings; town/building may be '').

    ``perform_action`` fills prefecture/city/town from the postal code (the 「住所を検索」 button
    posts ``field_action=<id>``)."""

    type_name = "address"
    template = "fields/address.html"
    spec_properties = {
        "lookup": {"type": "boolean"},
    }
    prefectures = PREFECTURES

    def name(self, part: str) -> str:
        return f"{self.id}__{part}"

    def input_names(self) -> list[str]:
        return [self.name(part) for part in PARTS]

    @property
    def lookup_enabled(self) -> bool:
        return self.spec.get("lookup", True) is not False

    def raw_from_value(self, value: Any) -> dict:
        value = value or {}
        return {self.name(part): str(value.get(part) or "") for part in PARTS}

    def _raw(self, form) -> dict:
        return {self.name(part): form.get(self.name(part), "") for part in PARTS}

    def parse(self, form, files=None, files_ctx=None) -> Parsed:
        raw = self._raw(form)
        parts = {part: clean_part(raw[self.name(part)]) for part in PARTS}
        if not any(parts.values()):
            return self._empty(raw)
        errors: list[str] = []
        digits = postal.normalise_code(parts["postal_code"])
        if not parts["postal_code"]:
            errors.append(_("%(label)sの郵便番号を入力してください", label=self.label))
        elif digits is None:
            errors.append(self._postal_format_message())
        else:
            parts["postal_code"] = postal.format_code(digits)
        if not parts["prefecture"]:
            errors.append(_("%(label)sの都道府県を選んでください", label=self.label))
        elif parts["prefecture"] not in PREFECTURES:
            errors.append(_("%(label)sの都道府県は一覧から選んでください", label=self.label))
        if not parts["city"]:
            errors.append(_("%(label)sの市区町村を入力してください", label=self.label))
        if not parts["line"]:
            errors.append(_("%(label)sの番地を入力してください", label=self.label))
        if any(len(text) > MAX_PART_LENGTH for text in parts.values()):
            errors.append(_("%(label)sの各欄は%(max)s文字以内で入力してください", label=self.label,
                            max=MAX_PART_LENGTH))
        if errors:
            return Parsed(value=None, raw=raw, errors=errors)
        return Parsed(value=parts, raw=raw)

    def _postal_format_message(self) -> str:
        return _("%(label)sの郵便番号は7桁の数字で入力してください（例：491-8501）", label=self.label)

    def perform_action(self, form) -> tuple[dict, list[str]]:
        """「住所を検索」: returns the raw with the postal code formatted and prefecture/city/town
        filled in (other parts as typed), and messages when the code is malformed or unknown."""
        raw = self._raw(form)
        code = raw[self.name("postal_code")]
        digits = postal.normalise_code(code)
        if digits is None:
            if not code.strip():
                return raw, [_("%(label)sの郵便番号を入力してください", label=self.label)]
            return raw, [self._postal_format_message()]
        raw[self.name("postal_code")] = postal.format_code(digits)
        found = postal.lookup(digits)
        if found is None:
            return raw, [_("郵便番号「%(code)s」の住所が見つかりませんでした。郵便番号を確かめるか、"
                           "住所を入力してください",
                           code=postal.format_code(digits))]
        same_area = (raw[self.name("prefecture")] == found["prefecture"]
                     and raw[self.name("city")] == found["city"])
        raw[self.name("prefecture")] = found["prefecture"]
        raw[self.name("city")] = found["city"]
        if found["town"] or not same_area:
            raw[self.name("town")] = found["town"]
        return raw, []

    def summary(self, value: Any) -> str:
        if not value:
            return ""
        street = "".join(value.get(part) or "" for part in ("prefecture", "city", "town", "line"))
        text = f"〒{value['postal_code']} {street}" if value.get("postal_code") else street
        if value.get("building"):
            text += f" {value['building']}"
        return text

    def export(self, value: Any) -> dict[str, str]:
        value = value or {}
        return {part: str(value.get(part) or "") for part in PARTS}
