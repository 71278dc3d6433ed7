"""A date typed into three boxes (年・月・日, 西暦), shown with its 和暦."""
from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from typing import Any

from flask_babel import gettext as _

from portal.i18n import current_lang

from .base import FieldType, Parsed, register

#: (era name, romanised, first day, abbreviations residents may type in the year box)
ERAS: tuple[tuple[str, str, dt.date, tuple[str, ...]], ...] = (
    ("令和", "Reiwa", dt.date(2019, 5, 1), ("令", "R")),
    ("平成", "Heisei", dt.date(1989, 1, 8), ("平", "H")),
    ("昭和", "Showa", dt.date(1926, 12, 25), ("昭", "S")),
    ("大正", "Taisho", dt.date(1912, 7, 30), ("大", "T")),
    ("明治", "Meiji", dt.date(1868, 10, 23), ("明", "M")),
)

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")


def era_of(day: dt.date) -> tuple[str, int] | None:
    """``("昭和", 60)`` for 1985-04-03; None before 明治."""
    for name, _roman, start, _abbr in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    return None


def era_year_text(era: str, year: int) -> str:
    """「昭和60年」, with 元年 for the first year: 「令和元年」."""
    return f"{era}{'元' if year == 1 else year}年"


def wareki(day: dt.date) -> str:
    """「昭和60年」 for 1985-04-03 ('' before 明治)."""
    found = era_of(day)
    return era_year_text(*found) if found else ""


def wareki_full(day: dt.date) -> str:
    """「昭和60年4月3日」."""
    found = era_of(day)
    return f"{era_year_text(*found)}{day.month}月{day.day}日" if found else ""


def wareki_of_year(year: int) -> str:
    """「昭和60年」 for 1985; both eras when the year spans a change: 「昭和64年・平成元年」; '' for a year
    the calendar does not have (a typed 0000)."""
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        return ""
    names = []
    for day in (dt.date(year, 1, 1), dt.date(year, 12, 31)):
        text = wareki(day)
        if text and text not in names:
            names.append(text)
    return "・".join(names)


def format_date(day: dt.date, lang: str | None = None) -> str:
    """``1985年4月3日（昭和60年）`` in Japanese, ``3 April 1985`` in English."""
    lang = lang or current_lang()
    if lang == "en":
        return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    era = wareki(day)
    return f"{day.year}年{day.month}月{day.day}日" + (f"（{era}）" if era else "")


def _era_year(text: str) -> tuple[int, tuple[str, dt.date, dt.date | None]] | None:
    """「昭和60」「S60」「平成元」 → (1985, era bounds); None when the text is not an era year."""
    match = re.fullmatch(r"([^\d元]+?)\s*(元|\d{1,2})\s*年?", text)
    if not match:
        return None
    name, number = match.group(1), match.group(2)
    number = 1 if number == "元" else int(number)
    end: dt.date | None = None
    for era, _roman, start, abbreviations in ERAS:
        if name == era or name in abbreviations or name.upper() in abbreviations:
            if number < 1:
                return None
            return start.year + number - 1, (era, start, end)
        end = start - dt.timedelta(days=1)
    return None


def _digits(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


@register
class DateField(FieldType):
    """A date. Spec: ``past: true`` (today or earlier), ``future: true`` (today or later),
    ``min`` / ``max`` (ISO dates), ``autocomplete: bday`` (birth dates: bday-year/-month/-day).
    Inputs ``<id>__year``, ``<id>__month``, ``<id>__day``. The year box also accepts an era year
    (「昭和60」「S60」「平成元」). Value: ISO ``YYYY-MM-DD``."""

    type_name = "date"
    template = "fields/date.html"
    spec_properties = {
        "past": {"type": "boolean"},
        "future": {"type": "boolean"},
        # ISO dates; no "type" so that an unquoted YAML date (a datetime.date) also passes
        "min": {"format": "date"},
        "max": {"format": "date"},
        "autocomplete": {"enum": ["bday", "off"]},
    }
    PARTS = ("year", "month", "day")

    def input_names(self) -> list[str]:
        return [f"{self.id}__{part}" for part in self.PARTS]

    def autocomplete(self, part: str) -> str:
        return f"bday-{part}" if self.spec.get("autocomplete") == "bday" else ""

    def raw_from_value(self, value: Any) -> dict:
        names = self.input_names()
        if not value:
            return {name: "" for name in names}
        day = dt.date.fromisoformat(str(value))
        return dict(zip(names, (str(day.year), str(day.month), str(day.day))))

    # --- parsing --------------------------------------------------------------------------------
    def parse(self, form, files=None, files_ctx=None) -> Parsed:
        raw = {name: form.get(name, "") for name in self.input_names()}
        year_text, month_text, day_text = (_digits(raw[name]) for name in self.input_names())
        if not (year_text or month_text or day_text):
            return self._empty(raw)

        missing = [part for part, text in zip(self.PARTS, (year_text, month_text, day_text)) if not text]
        if missing:
            return Parsed(value=None, raw=raw, errors=[self._missing_message(missing)])

        era_bounds = None
        if re.fullmatch(r"\d+", year_text):
            if len(year_text) != 4 or int(year_text) < 1000:
                return self._error(raw, _("%(label)sの年は4桁の数字（西暦）で入力してください（例：1985）",
                                          label=self.label))
            year = int(year_text)
        else:
            era_year = _era_year(year_text)
            if era_year is None:
                return self._error(raw, _("%(label)sの年は4桁の数字（西暦）で入力してください（例：1985）",
                                          label=self.label))
            year, era_bounds = era_year
        if not re.fullmatch(r"\d{1,2}", month_text) or not 1 <= int(month_text) <= 12:
            return self._error(raw, _("%(label)sの月は1から12の数字で入力してください", label=self.label))
        if not re.fullmatch(r"\d{1,2}", day_text) or not 1 <= int(day_text) <= 31:
            return self._error(raw, _("%(label)sの日は1から31の数字で入力してください", label=self.label))
        month, day_number = int(month_text), int(day_text)
        last = calendar.monthrange(year, month)[1]
        if day_number > last:
            return self._error(raw, _("%(label)sは実在する日付を入力してください"
                                      "（%(year)s年%(month)s月は%(last)s日までです）",
                                      label=self.label, year=year, month=month, last=last))
        day = dt.date(year, month, day_number)
        if era_bounds is not None:
            era, start, end = era_bounds
            if day < start or (end is not None and day > end):
                return self._error(raw, _("%(label)sの年は、%(era)sの期間外です。西暦で入力してください",
                                          label=self.label, era=era))
        value = day.isoformat()
        return Parsed(value=value, raw=raw, errors=self.validate(value))

    def _error(self, raw: dict, message: str) -> Parsed:
        return Parsed(value=None, raw=raw, errors=[message])

    def _missing_message(self, missing: list[str]) -> str:
        names = {"year": _("年"), "month": _("月"), "day": _("日")}
        if len(missing) == 1:
            return _("%(label)sの%(part)sを入力してください", label=self.label, part=names[missing[0]])
        return _("%(label)sの%(first)sと%(second)sを入力してください",
                 label=self.label, first=names[missing[0]], second=names[missing[1]])

    def validate(self, value: Any) -> list[str]:
        day = dt.date.fromisoformat(value)
        today = dt.date.today()
        if self.spec.get("past") and day > today:
            return [_("%(label)sは今日か、それより前の日付を入力してください", label=self.label)]
        if self.spec.get("future") and day < today:
            return [_("%(label)sは今日か、それより後の日付を入力してください", label=self.label)]
        low = self.spec.get("min")
        if low and day < dt.date.fromisoformat(str(low)):
            return [_("%(label)sは%(date)s以降の日付を入力してください",
                      label=self.label, date=format_date(dt.date.fromisoformat(str(low))))]
        high = self.spec.get("max")
        if high and day > dt.date.fromisoformat(str(high)):
            return [_("%(label)sは%(date)s以前の日付を入力してください",
                      label=self.label, date=format_date(dt.date.fromisoformat(str(high))))]
        return []

    # --- presentation ---------------------------------------------------------------------------
    def wareki_for_raw(self, raw: dict | None) -> str:
        """和暦 shown next to the inputs: 「昭和60年」 for a complete valid date, or the era(s)
        of a 4-digit year on its own; '' otherwise."""
        raw = raw or {}
        year_text, month_text, day_text = (_digits(raw.get(name, "")) for name in self.input_names())
        if not re.fullmatch(r"\d{4}", year_text):
            return ""
        year = int(year_text)
        try:
            return wareki(dt.date(year, int(month_text), int(day_text)))
        except (TypeError, ValueError):
            return wareki_of_year(year)

    def summary(self, value: Any) -> str:
        return format_date(dt.date.fromisoformat(str(value))) if value else ""

    def export(self, value: Any) -> dict[str, str]:
        if not value:
            return {"": "", "wareki": ""}
        day = dt.date.fromisoformat(str(value))
        return {"": day.isoformat(), "wareki": wareki_full(day)}
