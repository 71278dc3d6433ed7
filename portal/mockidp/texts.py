"""Bilingual (Japanese, English) wording shown to residents, kept out of the view code."""
from __future__ import annotations

from .personas import Persona

# (Japanese label, English label) per released claim, in display order.
CLAIM_LABELS: dict[str, tuple[str, str]] = {
    "name": ("氏名", "Name"),
    "address": ("住所", "Address"),
    "birthdate": ("生年月日", "Date of birth"),
    "gender": ("性別", "Gender"),
}

GENDER_LABELS: dict[str, tuple[str, str]] = {
    "female": ("女性", "female"),
    "male": ("男性", "male"),
    "other": ("その他", "other"),
}

# Flash notices: key -> (category, Japanese template, English template).
NOTICES: dict[str, tuple[str, str, str]] = {
    "pin_wrong": (
        "error",
        "暗証番号が違います。あと{remaining}回間違えるとロックされます。",
        "Wrong PIN. {remaining} more wrong attempt(s) will lock this card.",
    ),
    "pin_locked": (
        "error",
        "暗証番号を3回間違えたため、このカードはロックされました。",
        "This card is now locked after three wrong PINs.",
    ),
    "pin_format": (
        "error",
        "暗証番号は数字4桁で入力してください。",
        "Enter the PIN as four digits.",
    ),
    "card_locked": (
        "error",
        "このカードはロックされています。デモでは下のボタンで解除できます。",
        "This card is locked. In this demo you can unlock it with the button below.",
    ),
    "card_unknown": (
        "error",
        "カードを選んでください。",
        "Choose a card.",
    ),
    "unlocked": (
        "success",
        "{name} さんのカードのロックを解除しました。",
        "The card of {name} has been unlocked.",
    ),
    "flow_expired": (
        "error",
        "手続きの有効時間が過ぎたか、別の画面で操作されました。最初からやり直してください。",
        "This step expired or was continued elsewhere. Please start again.",
    ),
}

# Explanations for errors that cannot be sent back to the relying party.
ERROR_EXPLANATIONS: dict[str, tuple[str, str]] = {
    "invalid_client": (
        "このサービスは登録されていません。",
        "The service that sent you here is not registered.",
    ),
    "invalid_request": (
        "リクエストの内容に誤りがあります（戻り先URLが登録されていない等）。",
        "The request is malformed (for example, its return address is not registered).",
    ),
    "csrf": (
        "画面の有効時間が過ぎました。元のサービスからやり直してください。",
        "This page expired. Please start again from the service you came from.",
    ),
}
DEFAULT_ERROR_EXPLANATION = (
    "リクエストを処理できませんでした。",
    "The request could not be processed.",
)


def notice(key: str, **params) -> dict:
    return {"key": key, "params": params}


def render_notice(message: dict) -> tuple[str, str, str]:
    category, ja, en = NOTICES[message["key"]]
    params = message.get("params") or {}
    return category, ja.format(**params), en.format(**params)


def claim_rows(persona: Persona, scope: str) -> list[dict]:
    """What the consent screen lists: one row per claim the scope will release."""
    released = persona.claims_for_scope(scope)
    rows = []
    for claim, (label_ja, label_en) in CLAIM_LABELS.items():
        if claim not in released:
            continue
        value = released[claim]
        value_en = None
        if claim == "address":
            value = f"〒{value['postal_code']} {value['formatted']}"
            value_en = persona.locality_en
        elif claim == "gender":
            value, value_en = GENDER_LABELS.get(value, (value, value))
        elif claim == "birthdate":
            year, month, day = value.split("-")
            value, value_en = f"{int(year)}年{int(month)}月{int(day)}日", released[claim]
        elif claim == "name" and persona.name_en != persona.name:
            value_en = persona.name_en
        rows.append({"label_ja": label_ja, "label_en": label_en, "value": value, "value_en": value_en})
    return rows
