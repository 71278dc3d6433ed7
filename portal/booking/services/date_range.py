"""The date ranges that staff type (closures, blocks): 「2026-04-01」, 「2026/4/1」 or 「2026年4月1日」, full-width
digits too; a blank last day means one day; from today on and at most a year."""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_babel import gettext as _

MAX_DAYS = 366


def parse_day(text: str) -> date | None:
    text = unicodedata.normalize("NFKC", text or "").strip()
    match = re.fullmatch(r"(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?", text)
    try:
        return date(int(match[1]), int(match[2]), int(match[3])) if match else None
    except ValueError:
        return None


def parse_range(first: str, last: str, today: date, errors: list[dict]) -> tuple[date | None, date | None]:
    """The range, appending ``{"href", "message"}`` errors (for the form's error summary) for what is wrong."""
    first_day = parse_day(first)
    last_day = parse_day(last) if (last or "").strip() else first_day
    if first_day is None:
        errors.append({"href": "#f-first_day", "message": _("初日を「2026-04-01」の形で入力してください")})
    elif first_day < today:
        errors.append({"href": "#f-first_day", "message": _("過ぎた日は選べません")})
    if first_day is not None and last_day is None:
        errors.append({"href": "#f-last_day", "message": _("最終日を「2026-04-01」の形で入力してください")})
    elif first_day is not None and last_day < first_day:
        errors.append({"href": "#f-last_day", "message": _("最終日は初日と同じか、それより後の日にしてください")})
    elif first_day is not None and (last_day - first_day).days >= MAX_DAYS:
        errors.append({"href": "#f-last_day", "message": _("期間は1年以内にしてください")})
    return first_day, last_day
