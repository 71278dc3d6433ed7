from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from portal.booking.domain.calendar import DayType, jst
from portal.booking.domain.pricing import (
    CancellationPolicy,
    FeeSchedule,
    PriceTable,
    booking_fee,
    cancellation_dates,
    cancellation_terms,
    slot_fee,
)
from portal.booking.domain.slots import Slot

TABLE = PriceTable(resident_weekday=1000, resident_holiday=1500, non_resident_weekday=2000, non_resident_holiday=3000)

WEDNESDAY = Slot.from_local("gym-a", date(2026, 11, 4), time(9), time(12))
SATURDAY = Slot.from_local("gym-a", date(2026, 11, 7), time(9), time(12))
CULTURE_DAY = Slot.from_local("gym-a", date(2026, 11, 3), time(13), time(17))    # 文化の日 (Tuesday)
LABOUR_DAY = Slot.from_local("gym-a", date(2026, 11, 23), time(18), time(21))    # 勤労感謝の日 (Monday)


@pytest.mark.parametrize("slot, is_resident, fee", [
    (WEDNESDAY, True, 1000),
    (WEDNESDAY, False, 2000),
    (SATURDAY, True, 1500),
    (SATURDAY, False, 3000),
    (CULTURE_DAY, True, 1500),
    (LABOUR_DAY, False, 3000),
])
def test_slot_fee_by_residency_and_day_type(slot, is_resident, fee):
    assert slot_fee(TABLE, slot, is_resident) == fee


def test_price_table_lookup():
    assert TABLE.price(is_resident=False, day_type=DayType.WEEKDAY) == 2000


def test_fee_schedule_prices_bands_differently():
    evening = PriceTable(1200, 1800, 2400, 3600)
    schedule = FeeSchedule(TABLE, {time(18): evening})
    assert slot_fee(schedule, WEDNESDAY, True) == 1000
    assert slot_fee(schedule, LABOUR_DAY, True) == 1800
    assert slot_fee(schedule, LABOUR_DAY, False) == 3600


def test_booking_fee_sums_slots():
    assert booking_fee(TABLE, [WEDNESDAY, SATURDAY, CULTURE_DAY], is_resident=True) == 1000 + 1500 + 1500
    assert booking_fee(TABLE, [], is_resident=True) == 0


def test_closed_slot_has_no_fee():
    closed = Slot.from_local("gym-a", date(2026, 11, 2), time(9), time(12), closed_reason="休館日")
    with pytest.raises(ValueError):
        slot_fee(TABLE, closed, True)


def test_prices_must_be_non_negative_integers():
    with pytest.raises(ValueError):
        PriceTable(-1, 0, 0, 0)
    with pytest.raises(TypeError):
        PriceTable(1000.5, 0, 0, 0)


# Cancellation: free until 7 days before the day of use, 50% after that, not allowed on the day itself.
POLICY = CancellationPolicy(free_until_days_before=7, late_fee_percent=50, no_cancel_within_days=1)
USE = jst(date(2026, 11, 20), time(9))


@pytest.mark.parametrize("now, allowed, fee", [
    (jst(date(2026, 11, 1), time(12)), True, 0),
    (jst(date(2026, 11, 13), time(23, 59, 59)), True, 0),      # last second of the 7th day before
    (jst(date(2026, 11, 14), time(0)), True, 1500),              # first second of the 6th day before
    (jst(date(2026, 11, 19), time(23, 59, 59)), True, 1500),
    (jst(date(2026, 11, 20), time(0)), False, 0),                # the day of use
    (jst(date(2026, 11, 20), time(10)), False, 0),               # after the start
])
def test_cancellation_terms_at_the_boundaries(now, allowed, fee):
    terms = cancellation_terms(now, USE, POLICY, paid_fee=3000)
    assert (terms.allowed, terms.fee) == (allowed, fee)
    assert tuple(terms) == (allowed, fee)


def test_cancellation_days_are_counted_in_tokyo_not_utc():
    # 2026-11-13 23:30 JST is still 13 November in Tokyo but 14:30 UTC; 2026-11-14 00:30 JST is 13 Nov 15:30 UTC.
    assert cancellation_terms(datetime(2026, 11, 13, 14, 30, tzinfo=UTC), USE, POLICY, 3000) == (True, 0)
    assert cancellation_terms(datetime(2026, 11, 13, 15, 30, tzinfo=UTC), USE, POLICY, 3000) == (True, 1500)


def test_percentage_fee_is_rounded_down_in_the_residents_favour():
    assert cancellation_terms(jst(date(2026, 11, 15), time(9)), USE, POLICY, paid_fee=1001).fee == 500


def test_fixed_late_fee_and_free_policy():
    fixed = CancellationPolicy(free_until_days_before=3, late_fee_yen=500)
    assert cancellation_terms(jst(date(2026, 11, 17), time(9)), USE, fixed, 3000) == (True, 0)
    assert cancellation_terms(jst(date(2026, 11, 18), time(9)), USE, fixed, 3000) == (True, 500)
    assert cancellation_terms(jst(date(2026, 11, 20), time(8)), USE, fixed, 3000) == (True, 500)
    # A fixed fee never exceeds what was paid.
    assert cancellation_terms(jst(date(2026, 11, 18), time(9)), USE, fixed, 300) == (True, 300)
    always_free = CancellationPolicy()
    assert cancellation_terms(jst(date(2026, 11, 20), time(8, 59)), USE, always_free, 3000) == (True, 0)


def test_no_late_cancellation_at_all():
    strict = CancellationPolicy(free_until_days_before=7, no_cancel_within_days=7)
    assert cancellation_terms(jst(date(2026, 11, 13), time(9)), USE, strict, 3000) == (True, 0)
    assert cancellation_terms(jst(date(2026, 11, 14), time(9)), USE, strict, 3000) == (False, 0)


def test_inconsistent_policies_are_refused():
    with pytest.raises(ValueError):
        CancellationPolicy(free_until_days_before=7, late_fee_percent=50, late_fee_yen=500)
    with pytest.raises(ValueError):
        CancellationPolicy(free_until_days_before=3, no_cancel_within_days=5)
    with pytest.raises(ValueError):
        CancellationPolicy(late_fee_percent=120)


@pytest.mark.parametrize("policy", [
    CancellationPolicy(7, late_fee_percent=50, no_cancel_within_days=1),
    CancellationPolicy(3, late_fee_percent=50, no_cancel_within_days=3),
    CancellationPolicy(3, late_fee_yen=500),
    CancellationPolicy(0),
    CancellationPolicy(2, late_fee_percent=100, no_cancel_within_days=2),
])
def test_cancellation_dates_are_where_the_terms_change(policy):
    """The dates residents are told agree with cancellation_terms on every day before the slot (Tokyo days)."""
    start = jst(date(2026, 12, 10), time(9))
    dates = cancellation_dates(policy, start)
    for days in range(0, 12):
        day = date(2026, 12, 10 - days) if days < 10 else date(2026, 11, 30 - (days - 10))
        for at in (time(0, 0), time(8, 59)):
            terms = cancellation_terms(jst(day, at), start, policy, 1000)
            refused = dates.no_cancel_from is not None and day >= dates.no_cancel_from
            assert terms.allowed is not refused, (day, at)
            if not refused:
                assert (terms.fee == 0) is (day <= dates.free_until or not policy.late_fee(1000)), (day, at)


def test_cancellation_dates_of_the_usual_policy():
    dates = cancellation_dates(CancellationPolicy(7, late_fee_percent=50, no_cancel_within_days=1),
                               jst(date(2026, 12, 8), time(9)))
    assert dates.free_until == date(2026, 12, 1)
    assert dates.late_from == date(2026, 12, 2)
    assert dates.no_cancel_from == date(2026, 12, 8)      # 当日不可
    assert cancellation_dates(CancellationPolicy(0), jst(date(2026, 12, 8), time(9))) == (date(2026, 12, 8), None)
    # A slot just after midnight in Tokyo is on the Tokyo day, not the UTC day before.
    assert cancellation_dates(CancellationPolicy(1), jst(date(2026, 12, 8), time(0, 30))).free_until == \
        date(2026, 12, 7)
