"""What cancelling some slots costs: each slot by its own day of use; the last slots go the way a whole booking
does, and the late fees kept for earlier slots stay kept."""
from __future__ import annotations

from datetime import date, time, timedelta

from portal.booking.domain.calendar import jst
from portal.booking.models import Facility, Reservation, ReservationSlot
from portal.booking.services import booking as service

TERMS = {"free_until_days_before": 3, "late_fee_percent": 50, "no_cancel_within_days": 1}
NOW = jst(date(2026, 12, 6), time(12, 0))


def booking(*slots: tuple[date, int], cancel_fee: int = 0) -> Reservation:
    rows = [ReservationSlot(id=i, starts_at=jst(day, time(9, 0)), ends_at=jst(day, time(11, 0)), fee=fee, active=True)
            for i, (day, fee) in enumerate(slots, 1)]
    return Reservation(status="confirmed", cancel_fee=cancel_fee, facility=Facility(cancellation=TERMS), slots=rows)


def test_each_slot_is_priced_by_its_own_day():
    reservation = booking((date(2026, 12, 8), 600), (date(2026, 12, 12), 800))
    quotes = service.slot_quotes(reservation, reservation.slots, NOW, paid=1400)
    assert [(q.allowed, q.fee, q.refund) for q in quotes] == [(True, 300, 300), (True, 0, 800)]
    terms = service.quote_partial(reservation, reservation.slots[:1], NOW, paid=1400)
    assert (terms.whole, terms.allowed, terms.fee, terms.refund) == (False, True, 300, 300)


def test_nothing_is_refunded_when_nothing_was_paid_online():
    reservation = booking((date(2026, 12, 8), 600), (date(2026, 12, 12), 800))
    terms = service.quote_partial(reservation, reservation.slots[:1], NOW, paid=0)
    assert (terms.fee, terms.refund) == (0, 0)


def test_a_slot_past_its_deadline_refuses_the_choice():
    reservation = booking((date(2026, 12, 8), 600), (date(2026, 12, 12), 800))
    terms = service.quote_partial(reservation, reservation.slots[:1], NOW + timedelta(days=2), paid=1400)
    assert not terms.allowed


def test_the_last_slot_keeps_what_was_kept_for_the_earlier_ones():
    reservation = booking((date(2026, 12, 8), 600), (date(2026, 12, 12), 800), cancel_fee=300)
    reservation.slots[0].cancelled_at, reservation.slots[0].cancel_fee = NOW, 300
    paid = 1400 - 300  # the earlier slot's refund
    assert reservation.live_slots == reservation.slots[1:]
    terms = service.quote_partial(reservation, reservation.live_slots, NOW, paid)
    assert (terms.whole, terms.fee, terms.refund) == (True, 0, 800)
    assert service.quote(reservation, NOW, paid).refund == 800


def test_chosen_slots_must_be_live_slots_of_the_booking():
    reservation = booking((date(2026, 12, 8), 600), (date(2026, 12, 12), 800))
    reservation.slots[0].cancelled_at = NOW
    assert service.chosen_slots(reservation, ["2"]) == reservation.slots[1:]
    assert service.chosen_slots(reservation, ["1"]) is None
    assert service.chosen_slots(reservation, []) is None
    assert service.chosen_slots(reservation, ["x"]) is None
