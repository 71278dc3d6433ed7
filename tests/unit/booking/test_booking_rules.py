from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from portal.booking.domain.calendar import jst
from portal.booking.domain.rules import (
    BookingRules,
    SlotStatus,
    Violation,
    check_booking,
    hold_expires_at,
    hold_is_active,
    slot_status,
)
from portal.booking.domain.slots import Slot

RULES = BookingRules(max_days_ahead=90, min_notice_hours=24, max_slots_per_person_per_month=4,
                     resident_only=False, group_required=False, hold_minutes=30)
NOW = jst(date(2026, 11, 1), time(10))


def slot(day: date, hour: int = 9, unit: str = "gym-a", closed_reason=None) -> Slot:
    return Slot.from_local(unit, day, time(hour), time(hour + 3), closed_reason=closed_reason)


def codes(violations: list[Violation]) -> list[str]:
    return [v.code for v in violations]


def test_a_valid_multi_slot_booking_has_no_violations():
    assert check_booking(RULES, NOW, [slot(date(2026, 11, 10)), slot(date(2026, 11, 10), 13)], [], True, False) == []


def test_too_far_ahead_is_counted_in_days_of_the_tokyo_calendar():
    limit = date(2026, 11, 1) + timedelta(days=90)   # 2027-01-30
    assert check_booking(RULES, NOW, [slot(limit)], [], True, False) == []
    [violation] = check_booking(RULES, NOW, [slot(limit + timedelta(days=1))], [], True, False)
    assert violation.code == "too_far_ahead"
    assert "90日前" in violation.message_ja and "2027年1月31日" in violation.message_ja
    assert "90 days" in violation.message_en


def test_minimum_notice_boundary():
    start = NOW + timedelta(hours=24)
    exactly = Slot("gym-a", start, start + timedelta(hours=1), date(2026, 11, 2), slot(date(2026, 11, 2)).day_type)
    assert check_booking(RULES, NOW, [exactly], [], True, False) == []
    late = NOW + timedelta(seconds=1)
    [violation] = check_booking(RULES, late, [exactly], [], True, False)
    assert violation.code == "short_notice"
    assert "24時間前" in violation.message_ja


def test_past_and_closed_slots():
    past = slot(date(2026, 10, 31))
    closed = slot(date(2026, 11, 9), closed_reason="休館日")
    found = check_booking(RULES, NOW, [past, closed], [], True, False)
    assert codes(found) == ["past", "closed"]
    assert "休館日" in found[1].message_ja


def test_monthly_cap_counts_existing_bookings_of_the_same_tokyo_month():
    existing = [slot(date(2026, 11, d)).starts_at for d in (3, 4, 5)]
    requested = [slot(date(2026, 11, 20)), slot(date(2026, 11, 21))]
    [violation] = check_booking(RULES, NOW, requested, existing, True, False)
    assert violation.code == "monthly_cap"
    assert "2026年11月" in violation.message_ja and "4枠" in violation.message_ja
    # One more slot fits; bookings in another month do not count.
    assert check_booking(RULES, NOW, requested[:1], existing, True, False) == []
    october = [slot(date(2026, 10, d)).starts_at for d in (3, 4, 5)]
    assert check_booking(RULES, NOW, requested, october, True, False) == []


def test_monthly_cap_uses_the_local_month_of_a_slot_starting_just_after_midnight():
    # 2026-12-01 00:30 JST is 2026-11-30 15:30 UTC: it belongs to December's quota.
    midnight = Slot.from_local("gym-a", date(2026, 12, 1), time(0, 30), time(1, 30))
    existing = [slot(date(2026, 11, d)).starts_at for d in (3, 4, 5, 6)]
    assert check_booking(RULES, NOW, [midnight], existing, True, False) == []


def test_monthly_cap_per_month_when_a_request_spans_two_months():
    requested = [slot(date(2026, 11, 20 + i)) for i in range(3)] + [slot(date(2026, 12, 1 + i)) for i in range(5)]
    [violation] = check_booking(RULES, NOW, requested, [], True, False)
    assert violation.code == "monthly_cap" and "2026年12月" in violation.message_ja


def test_resident_only_and_group_required():
    rules = BookingRules(max_days_ahead=90, min_notice_hours=0, max_slots_per_person_per_month=4,
                         resident_only=True, group_required=True, hold_minutes=30)
    found = check_booking(rules, NOW, [slot(date(2026, 11, 10))], [], is_resident=False, has_group=False)
    assert codes(found) == ["resident_only", "group_required"]
    assert "市内在住" in found[0].message_ja or "住民" in found[0].message_ja
    assert "団体登録" in found[1].message_ja
    assert check_booking(rules, NOW, [slot(date(2026, 11, 10))], [], is_resident=True, has_group=True) == []


def test_empty_duplicate_and_too_many_slots():
    assert codes(check_booking(RULES, NOW, [], [], True, False)) == ["empty"]
    one = slot(date(2026, 11, 10))
    assert codes(check_booking(RULES, NOW, [one, one], [], True, False)) == ["duplicate_slot"]
    rules = BookingRules(max_days_ahead=90, min_notice_hours=0, max_slots_per_person_per_month=10,
                         resident_only=False, group_required=False, hold_minutes=30, max_slots_per_booking=2)
    three = [slot(date(2026, 11, 10), h) for h in (9, 13, 18)]
    assert codes(check_booking(rules, NOW, three, [], True, False)) == ["too_many_slots"]


def test_every_violation_has_both_languages():
    rules = BookingRules(max_days_ahead=1, min_notice_hours=48, max_slots_per_person_per_month=0,
                         resident_only=True, group_required=True, hold_minutes=30, max_slots_per_booking=0)
    found = check_booking(rules, NOW, [slot(date(2026, 11, 2)), slot(date(2026, 12, 2))], [], False, False)
    assert set(codes(found)) >= {"too_far_ahead", "short_notice", "monthly_cap", "resident_only", "group_required",
                                 "too_many_slots"}
    assert all(v.message_ja and v.message_en and v.message_ja != v.message_en for v in found)


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        check_booking(RULES, datetime(2026, 11, 1, 10), [slot(date(2026, 11, 10))], [], True, False)


def test_unpaid_hold():
    created = NOW
    assert hold_expires_at(RULES, created) == NOW + timedelta(minutes=30)
    assert hold_is_active(RULES, created, NOW + timedelta(minutes=29, seconds=59))
    assert not hold_is_active(RULES, created, NOW + timedelta(minutes=30))


# --- availability -------------------------------------------------------------------------------------------

FREE_SLOT = slot(date(2026, 11, 10))


@pytest.mark.parametrize("kwargs, status", [
    ({}, SlotStatus.FREE),
    ({"taken": True}, SlotStatus.BOOKED),
    ({"lottery_phase": "applications"}, SlotStatus.LOTTERY),
    ({"lottery_phase": "before"}, SlotStatus.NOT_OPEN),
    ({"lottery_phase": "awaiting_draw"}, SlotStatus.NOT_OPEN),
    ({"lottery_phase": "confirming"}, SlotStatus.NOT_OPEN),
    ({"lottery_phase": "confirming", "taken": True}, SlotStatus.BOOKED),
    ({"lottery_phase": "awaiting_first_come"}, SlotStatus.NOT_OPEN),
    ({"lottery_phase": "first_come"}, SlotStatus.FREE),
])
def test_slot_status(kwargs, status):
    assert slot_status(FREE_SLOT, NOW, **kwargs) is status


def test_closed_and_past_win_over_everything():
    closed = slot(date(2026, 11, 9), closed_reason="休館日")
    assert slot_status(closed, NOW, lottery_phase="applications", taken=True) is SlotStatus.CLOSED
    assert slot_status(slot(date(2026, 10, 31)), NOW, taken=True) is SlotStatus.PAST


def test_status_with_rules_knows_notice_and_horizon():
    soon = Slot.from_local("gym-a", date(2026, 11, 1), time(18), time(21))   # 8 hours after NOW
    assert slot_status(soon, NOW) is SlotStatus.FREE
    assert slot_status(soon, NOW, rules=RULES) is SlotStatus.PAST
    assert slot_status(slot(date(2027, 3, 1)), NOW, rules=RULES) is SlotStatus.NOT_OPEN


def test_status_labels():
    assert (SlotStatus.FREE.label_ja, SlotStatus.LOTTERY.label_ja, SlotStatus.BOOKED.label_ja,
            SlotStatus.CLOSED.label_ja, SlotStatus.PAST.label_ja) == ("空き", "抽選受付中", "予約済", "休館",
                                                                      "受付終了")
    assert SlotStatus.FREE.label_en == "Available"
    assert SlotStatus.FREE == "free"
    assert all(s.label_ja and s.label_en for s in SlotStatus)


def test_status_and_check_booking_agree_on_the_notice_boundary():
    start = NOW + timedelta(hours=24)
    exactly = Slot("gym-a", start, start + timedelta(hours=1), date(2026, 11, 2), slot(date(2026, 11, 2)).day_type)
    assert slot_status(exactly, NOW, rules=RULES) is SlotStatus.FREE
    assert slot_status(exactly, NOW + timedelta(seconds=1), rules=RULES) is SlotStatus.PAST
