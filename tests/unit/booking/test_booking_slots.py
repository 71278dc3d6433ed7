from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.booking.domain.calendar import MONDAY, SATURDAY, SUNDAY, DayType
from portal.booking.domain.slots import (
    REGULAR_CLOSED_REASON,
    Closure,
    OpeningHours,
    SlotPattern,
    generate_slots,
    year_end_closures,
)

THREE_BANDS = SlotPattern.fixed(("09:00", "12:00"), ("13:00", "17:00"), ("18:00", "21:00"))
# 9–21 on weekdays, 9–17 on Saturday, 9–19 on Sunday, closed on Monday (月曜休館).
HOURS = OpeningHours({1: ("09:00", "21:00"), 2: ("09:00", "21:00"), 3: ("09:00", "21:00"), 4: ("09:00", "21:00"),
                      SATURDAY: ("09:00", "17:00"), SUNDAY: ("09:00", "19:00")})
MOVING = OpeningHours(HOURS.weekly, holiday=("09:00", "17:00"), holiday_moves_closed_day=True)


def day_slots(slots, day):
    return [s for s in slots if s.local_date == day]


def local_starts(slots):
    return [s.local_starts_at.strftime("%H:%M") for s in slots]


def test_fixed_bands_follow_each_weekdays_hours():
    slots = generate_slots("gym-a", THREE_BANDS, HOURS, [], date(2026, 11, 4), date(2026, 11, 8))
    assert local_starts(day_slots(slots, date(2026, 11, 4))) == ["09:00", "13:00", "18:00"]  # Wednesday
    assert local_starts(day_slots(slots, date(2026, 11, 7))) == ["09:00", "13:00"]           # Saturday, to 17:00
    assert local_starts(day_slots(slots, date(2026, 11, 8))) == ["09:00", "13:00"]           # Sunday, 18–21 > 19:00
    assert all(s.closed_reason is None for s in slots)


def test_hourly_slots_are_cut_from_opening_hours():
    hours = OpeningHours({d: ("09:00", "12:30") for d in range(7)})
    slots = generate_slots("court-b", SlotPattern.hourly(), hours, [], date(2026, 11, 4), date(2026, 11, 4))
    assert local_starts(slots) == ["09:00", "10:00", "11:00"]  # 12:00–13:00 would overrun closing time
    assert all((s.ends_at - s.starts_at).total_seconds() == 3600 for s in slots)


def test_pattern_per_weekday_and_on_holidays():
    pattern = SlotPattern.fixed(("09:00", "12:00"), ("13:00", "17:00"),
                                by_weekday={SATURDAY: [("09:00", "13:00"), ("13:00", "17:00")]},
                                holiday=[("10:00", "16:00")])
    slots = generate_slots("hall", pattern, HOURS, [], date(2026, 11, 3), date(2026, 11, 7))
    assert local_starts(day_slots(slots, date(2026, 11, 3))) == ["10:00"]  # 文化の日 uses the holiday pattern
    assert local_starts(day_slots(slots, date(2026, 11, 6))) == ["09:00", "13:00"]
    assert [(s.local_starts_at.hour, s.local_ends_at.hour) for s in day_slots(slots, date(2026, 11, 7))] == [
        (9, 13), (13, 17)]


def test_slot_times_are_utc_aware_and_dst_free():
    slots = generate_slots("gym-a", THREE_BANDS, HOURS, [], date(2026, 7, 1), date(2026, 7, 1))
    first = slots[0]
    assert first.starts_at == datetime(2026, 7, 1, 0, 0, tzinfo=UTC)
    assert first.ends_at == datetime(2026, 7, 1, 3, 0, tzinfo=UTC)
    assert first.starts_at.utcoffset().total_seconds() == 0
    winter = generate_slots("gym-a", THREE_BANDS, HOURS, [], date(2026, 1, 7), date(2026, 1, 7))[0]
    assert winter.starts_at == datetime(2026, 1, 7, 0, 0, tzinfo=UTC)
    assert first.key == "gym-a/2026-07-01 09:00"


def test_day_type_on_slots():
    slots = generate_slots("gym-a", THREE_BANDS, HOURS, [], date(2026, 11, 3), date(2026, 11, 7))
    types = {s.local_date: s.day_type for s in slots}
    assert types[date(2026, 11, 3)] is DayType.HOLIDAY   # 文化の日 (Tuesday)
    assert types[date(2026, 11, 4)] is DayType.WEEKDAY
    assert types[date(2026, 11, 7)] is DayType.HOLIDAY   # Saturday


def test_regular_closed_day_lists_closed_slots():
    # The calendar grid still shows the Monday, every band marked 休館.
    slots = generate_slots("gym-a", THREE_BANDS, HOURS, [], date(2026, 11, 2), date(2026, 11, 2))
    assert len(slots) == 3
    assert {s.closed_reason for s in slots} == {REGULAR_CLOSED_REASON}
    assert all(s.is_closed for s in slots)


def test_monday_holiday_without_the_shift_rule_stays_closed():
    slots = generate_slots("gym-a", THREE_BANDS, HOURS, [], date(2026, 11, 23), date(2026, 11, 24))
    assert all(s.is_closed for s in day_slots(slots, date(2026, 11, 23)))      # 勤労感謝の日, Monday
    assert not any(s.is_closed for s in day_slots(slots, date(2026, 11, 24)))


def test_monday_holiday_opens_and_the_next_weekday_closes():
    slots = generate_slots("gym-a", THREE_BANDS, MOVING, [], date(2026, 11, 23), date(2026, 11, 25))
    holiday = day_slots(slots, date(2026, 11, 23))
    assert local_starts(holiday) == ["09:00", "13:00"] and not any(s.is_closed for s in holiday)  # holiday hours
    assert {s.closed_reason for s in day_slots(slots, date(2026, 11, 24))} == {REGULAR_CLOSED_REASON}
    assert not any(s.is_closed for s in day_slots(slots, date(2026, 11, 25)))


@pytest.mark.parametrize("closed_instead", [date(2026, 5, 7), date(2026, 9, 24)])
def test_shifted_closure_skips_a_run_of_holidays(closed_instead):
    # Golden Week 2026: Mon 5/4, Tue 5/5, Wed 5/6 (振替休日) → Thursday closes.
    # Silver Week 2026: Mon 9/21, Tue 9/22 (国民の休日), Wed 9/23 → Thursday closes.
    start = date(closed_instead.year, closed_instead.month, closed_instead.day - 3)
    slots = generate_slots("gym-a", THREE_BANDS, MOVING, [], start, closed_instead)
    closed_days = {s.local_date for s in slots if s.is_closed}
    assert closed_days == {closed_instead}


def test_ordinary_monday_is_still_closed_with_the_shift_rule():
    slots = generate_slots("gym-a", THREE_BANDS, MOVING, [], date(2026, 11, 9), date(2026, 11, 10))
    assert {s.local_date for s in slots if s.is_closed} == {date(2026, 11, 9)}


def test_closures_mark_slots_with_their_reason():
    maintenance = Closure(date(2026, 11, 10), date(2026, 11, 12), "床面改修工事")
    slots = generate_slots("gym-a", THREE_BANDS, HOURS, [maintenance], date(2026, 11, 9), date(2026, 11, 13))
    reasons = {s.local_date: s.closed_reason for s in slots}
    assert reasons == {date(2026, 11, 9): REGULAR_CLOSED_REASON, date(2026, 11, 10): "床面改修工事",
                       date(2026, 11, 11): "床面改修工事", date(2026, 11, 12): "床面改修工事",
                       date(2026, 11, 13): None}


def test_year_end_closures():
    closures = year_end_closures(date(2026, 12, 1), date(2027, 1, 31))
    assert closures == [Closure(date(2026, 12, 29), date(2027, 1, 3), "年末年始")]
    slots = generate_slots("gym-a", THREE_BANDS, MOVING, closures, date(2026, 12, 28), date(2027, 1, 5))
    closed = {s.local_date: s.closed_reason for s in slots if s.is_closed}
    # 12-28 and 1-4 are ordinary Mondays (月曜休館); 12-29 … 1-3 are 年末年始 (1-1 is also 元日).
    assert date(2026, 12, 28).weekday() == MONDAY and date(2027, 1, 4).weekday() == MONDAY
    assert closed == {date(2026, 12, 28): REGULAR_CLOSED_REASON,
                      date(2026, 12, 29): "年末年始", date(2026, 12, 30): "年末年始", date(2026, 12, 31): "年末年始",
                      date(2027, 1, 1): "年末年始", date(2027, 1, 2): "年末年始", date(2027, 1, 3): "年末年始",
                      date(2027, 1, 4): REGULAR_CLOSED_REASON}


def test_year_end_closures_clipped_to_range_and_across_two_winters():
    assert year_end_closures(date(2026, 12, 30), date(2027, 1, 1)) == [
        Closure(date(2026, 12, 30), date(2027, 1, 1), "年末年始")]
    assert len(year_end_closures(date(2026, 1, 1), date(2027, 12, 31))) == 3
    assert year_end_closures(date(2026, 2, 1), date(2026, 11, 30)) == []


def test_invalid_configuration_is_refused():
    with pytest.raises(ValueError):
        SlotPattern.fixed(("12:00", "09:00"))
    with pytest.raises(ValueError):
        SlotPattern.fixed(("09:00", "12:00"), ("11:00", "13:00"))   # overlapping bands
    with pytest.raises(ValueError):
        SlotPattern.hourly(0)
    with pytest.raises(ValueError):
        OpeningHours({7: ("09:00", "17:00")})
    with pytest.raises(ValueError):
        Closure(date(2026, 11, 12), date(2026, 11, 10), "逆順")
    with pytest.raises(ValueError):
        generate_slots("gym-a", THREE_BANDS, HOURS, [], date(2026, 11, 12), date(2026, 11, 10))
