"""Japanese calendar facts that prices, opening days and lottery dates depend on.

One place decides what a "holiday" is, so that the fee table, the closed-day rule and the calendar grid
never disagree. Facilities live in Japan: dates are Tokyo dates, moments are stored in UTC.
"""
from __future__ import annotations

import calendar as _stdlib_calendar
from datetime import UTC, date, datetime, time
from enum import StrEnum
from functools import lru_cache

import jpholiday

from portal.timezone import TOKYO

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)

# 年末年始: municipal facilities usually close Dec 29 – Jan 3, the days government offices are closed.
# A set of (month, day) rather than a range so a municipality can add e.g. Dec 28 or drop Jan 3.
YEAR_END_DAYS: frozenset[tuple[int, int]] = frozenset({(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)})


class DayType(StrEnum):
    """The two price columns of a Japanese fee table: 平日 and 土日祝."""

    WEEKDAY = "weekday"
    HOLIDAY = "holiday"   # Saturday, Sunday, 祝日 (incl. 振替休日 and 国民の休日) or 年末年始


@lru_cache(maxsize=4096)
def national_holiday_name(day: date) -> str | None:
    """The 祝日 name (e.g. "文化の日"), or None; cached because slot generation asks for every day."""
    return jpholiday.is_holiday_name(day)


def is_national_holiday(day: date) -> bool:
    return national_holiday_name(day) is not None


def is_year_end(day: date, year_end_days: frozenset[tuple[int, int]] = YEAR_END_DAYS) -> bool:
    return (day.month, day.day) in year_end_days


def is_holiday(day: date, year_end_days: frozenset[tuple[int, int]] = YEAR_END_DAYS) -> bool:
    """祝日 or a 年末年始 day (pass ``year_end_days=frozenset()`` for national holidays only)."""
    return is_national_holiday(day) or is_year_end(day, year_end_days)


def day_type(day: date, year_end_days: frozenset[tuple[int, int]] = YEAR_END_DAYS) -> DayType:
    if day.weekday() >= SATURDAY or is_holiday(day, year_end_days):
        return DayType.HOLIDAY
    return DayType.WEEKDAY


def jst(day: date, at: time) -> datetime:
    """The UTC moment of a Tokyo wall-clock time. JST has had no daylight saving since 1951, so every
    local time exists exactly once."""
    return datetime.combine(day, at, tzinfo=TOKYO).astimezone(UTC)


def require_aware(moment: datetime) -> datetime:
    # A naive datetime is ambiguous (server-local? UTC? JST?): refusing it early beats an off-by-9-hours bug.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass aware datetimes (stored in UTC)")
    return moment


def to_local(moment: datetime) -> datetime:
    return require_aware(moment).astimezone(TOKYO)


def local_date(moment: datetime) -> date:
    return to_local(moment).date()


def add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def days_in_month(year: int, month: int) -> int:
    return _stdlib_calendar.monthrange(year, month)[1]
