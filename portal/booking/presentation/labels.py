"""What residents and staff read for the booking codes (Babel-translated)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "sports_hall": _l("体育館"),
    "gymnasium": _l("武道場・トレーニング室"),
    "tennis_court": _l("テニスコート"),
    "meeting_room": _l("会議室"),
    "hall": _l("ホール"),
    "community_center": _l("公民館"),
    "ground": _l("グラウンド"),
    "other": _l("その他の施設"),
}

RESERVATION_STATUS_LABELS = {
    "held": _l("仮予約（お支払い待ち）"),
    "confirmed": _l("予約確定"),
    "expired": _l("期限切れ（自動取消）"),
    "cancelled": _l("取消済み"),
}

RESERVATION_KIND_LABELS = {
    "first_come": _l("先着順"),
    "lottery": _l("抽選（当選）"),
    "counter": _l("窓口で予約"),
    "block": _l("市の行事"),
}

APPLICATION_STATUS_LABELS = {
    "applied": _l("抽選待ち"),
    "won": _l("当選"),
    "lost": _l("落選"),
    "withdrawn": _l("取り下げ"),
    "declined": _l("辞退"),
}

ROUND_STATUS_LABELS = {
    "open": _l("申込受付中"),
    "committed": _l("締切（抽選待ち）"),
    "drawn": _l("抽選済み"),
    "finished": _l("終了"),
}

GROUP_STATUS_LABELS = {
    "pending": _l("承認待ち"),
    "approved": _l("登録済み"),
    "rejected": _l("承認されませんでした"),
    "suspended": _l("利用停止中"),
}
