from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from portal.booking.domain.calendar import (
    YEAR_END_DAYS,
    DayType,
    add_months,
    day_type,
    is_holiday,
    is_national_holiday,
    jst,
    local_date,
    national_holiday_name,
    to_local,
)


@pytest.mark.parametrize("day, name", [
    (date(2026, 11, 3), "文化の日"),
    (date(2026, 11, 23), "勤労感謝の日"),
    (date(2026, 5, 6), "憲法記念日 振替休日"),
    (date(2026, 9, 22), "国民の休日"),
])
def test_national_holidays_come_from_jpholiday(day, name):
    assert is_national_holiday(day)
    assert national_holiday_name(day) == name
    assert is_holiday(day)


def test_ordinary_weekday_is_not_a_holiday():
    assert not is_holiday(date(2026, 11, 4))
    assert national_holiday_name(date(2026, 11, 4)) is None


@pytest.mark.parametrize("day", [date(2026, 12, 29), date(2026, 12, 31), date(2027, 1, 2), date(2027, 1, 3)])
def test_year_end_days_count_as_holidays_by_default(day):
    assert not is_national_holiday(day)
    assert is_holiday(day)
    assert not is_holiday(day, year_end_days=frozenset())


def test_year_end_set_is_configurable():
    assert not is_holiday(date(2026, 12, 28))
    assert is_holiday(date(2026, 12, 28), year_end_days=YEAR_END_DAYS | {(12, 28)})


@pytest.mark.parametrize("day, expected", [
    (date(2026, 11, 4), DayType.WEEKDAY),   # Wednesday
    (date(2026, 11, 7), DayType.HOLIDAY),   # Saturday
    (date(2026, 11, 8), DayType.HOLIDAY),   # Sunday
    (date(2026, 11, 3), DayType.HOLIDAY),   # Tuesday, 文化の日
    (date(2026, 12, 30), DayType.HOLIDAY),  # Wednesday, 年末年始
])
def test_day_type(day, expected):
    assert day_type(day) is expected


def test_jst_to_utc_has_no_daylight_saving():
    # JST is UTC+9 all year: same offset in January and in July.
    assert jst(date(2026, 1, 15), time(9)) == datetime(2026, 1, 15, 0, 0, tzinfo=UTC)
    assert jst(date(2026, 7, 15), time(9)) == datetime(2026, 7, 15, 0, 0, tzinfo=UTC)
    assert jst(date(2026, 7, 1), time(0)) == datetime(2026, 6, 30, 15, 0, tzinfo=UTC)
    assert jst(date(2026, 7, 1), time(0)).tzinfo is UTC


def test_local_date_is_the_tokyo_date():
    moment = datetime(2026, 6, 30, 15, 0, tzinfo=UTC)
    assert local_date(moment) == date(2026, 7, 1)
    assert to_local(moment).hour == 0


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        to_local(datetime(2026, 7, 1, 9, 0))


@pytest.mark.parametrize("year, month, delta, expected", [
    (2026, 11, -2, (2026, 9)),
    (2026, 1, -2, (2025, 11)),
    (2026, 12, 1, (2027, 1)),
    (2026, 3, 0, (2026, 3)),
])
def test_add_months(year, month, delta, expected):
    assert add_months(year, month, delta) == expected
