"""Applying first come, the waiting list offering freed seats by itself, lapsing offers with time travel, and a
resident cancelling while the job runs."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.events import registration as reg
from portal.events.models import HOLDING_SEATS, Event, EventRegistration, EventSession
from portal.identity.models import Resident
from tests.integration.events_factory import NOW, PAID, START, make_event
from tests.integration.test_booking_concurrency import race


def apply(db, event, resident, party=None, sessions=None, now=NOW):
    outcome = reg.apply(db, event, resident, party or {"adult": 1},
                        sessions if sessions is not None else [event.sessions[0].id], now=now)
    db.commit()
    return outcome


def test_first_come_fills_the_session_then_puts_people_on_the_waiting_list(db, make_resident):
    event = make_event(db, (3,))
    first = apply(db, event, make_resident(), {"adult": 2})
    second = apply(db, event, make_resident(), {"adult": 1})
    third = apply(db, event, make_resident(), {"adult": 1})
    assert (first.status, second.status, third.status) == ("confirmed", "confirmed", "waiting")
    assert event.sessions[0].taken == 3


def test_without_a_waiting_list_a_full_event_refuses_with_the_seats_left(db, make_resident):
    event = make_event(db, (2,), waitlist=False)
    apply(db, event, make_resident(), {"adult": 1})
    with pytest.raises(reg.RegistrationRefused) as refused:
        apply(db, event, make_resident(), {"adult": 2})
    assert refused.value.code == "full" and refused.value.details == {"remaining": 1}


def test_a_paid_event_takes_the_seat_pending_payment_with_the_fee_per_participant_type(db, make_resident):
    event = make_event(db, (10,), participant_types=PAID)
    outcome = apply(db, event, make_resident(), {"adult": 1, "child": 2})
    assert (outcome.status, outcome.fee, outcome.registration.party_size) == ("pending_payment", 2400, 3)


@pytest.mark.parametrize(("now", "code"), [(NOW - timedelta(days=2), "not_open_yet"), (START, "closed")])
def test_applications_outside_the_window_are_refused(db, make_resident, now, code):
    event = make_event(db)
    with pytest.raises(reg.RegistrationRefused) as refused:
        apply(db, event, make_resident(), now=now)
    assert refused.value.code == code


def test_one_registration_per_person_and_event(db, make_resident):
    event = make_event(db)
    resident = make_resident()
    apply(db, event, resident)
    with pytest.raises(reg.RegistrationRefused) as refused:
        apply(db, event, resident)
    assert refused.value.code == "already_registered"


def test_a_party_above_the_limit_or_of_an_unknown_type_is_refused(db, make_resident):
    event = make_event(db, max_party=2)
    with pytest.raises(ValueError):
        apply(db, event, make_resident(), {"adult": 3})
    with pytest.raises(ValueError):
        apply(db, event, make_resident(), {"senior": 1})


def test_a_series_takes_a_seat_on_every_session(db, make_resident):
    event = make_event(db, (5, 5, 5), session_mode="series")
    apply(db, event, make_resident(), {"adult": 2}, sessions=[])
    assert [s.taken for s in event.sessions] == [2, 2, 2]


def test_a_cancellation_offers_the_seat_to_the_first_on_the_list_whose_party_fits(db, make_resident):
    event = make_event(db, (3,))
    holder = apply(db, event, make_resident(), {"adult": 2}).registration
    apply(db, event, make_resident(), {"adult": 1})
    big = apply(db, event, make_resident(), {"adult": 3}).registration
    small = apply(db, event, make_resident(), {"adult": 2}).registration
    assert reg.cancel(db, holder, now=NOW)
    db.commit()
    db.expire_all()
    assert (big.status, small.status) == ("waiting", "offered")   # 2 seats freed: the party of 3 keeps its place
    assert small.offer_expires_at == NOW + timedelta(hours=24)
    assert event.sessions[0].taken == 3
    assert not reg.cancel(db, holder, now=NOW)                     # a second click changes nothing


def test_an_offer_not_taken_in_time_lapses_and_goes_to_the_next(db, make_resident):
    event = make_event(db, (1,))
    holder = apply(db, event, make_resident()).registration
    first = apply(db, event, make_resident()).registration
    second = apply(db, event, make_resident()).registration
    reg.cancel(db, holder, now=NOW)
    db.commit()
    assert reg.lapse_offers(db, now=NOW + timedelta(hours=23)) == []
    assert reg.lapse_offers(db, now=NOW + timedelta(hours=24)) == [first.id]
    db.commit()
    db.expire_all()
    assert (first.status, second.status) == ("lapsed", "offered")
    assert not reg.accept_offer(db, first, now=NOW + timedelta(hours=24))
    assert reg.accept_offer(db, second, now=NOW + timedelta(hours=25))
    db.commit()
    db.expire_all()
    assert second.status == "confirmed" and event.sessions[0].taken == 1


def test_an_offer_is_cut_short_before_the_start_and_none_is_made_when_no_time_is_left(db, make_resident):
    event = make_event(db, (1,))
    holder = apply(db, event, make_resident()).registration
    waiting = apply(db, event, make_resident()).registration
    late = START - timedelta(hours=20)
    reg.cancel(db, holder, now=late)
    db.commit()
    db.expire_all()
    assert waiting.offer_expires_at == START - timedelta(hours=12)
    event = make_event(db, (1,), slug="too-late")
    holder = apply(db, event, make_resident()).registration
    waiting = apply(db, event, make_resident()).registration
    reg.cancel(db, holder, now=START - timedelta(hours=11))
    db.commit()
    db.expire_all()
    assert waiting.status == "waiting" and event.sessions[0].taken == 0


def test_the_job_twice_and_residents_cancelling_at_the_same_moment_never_offer_a_seat_twice(app, db, make_resident):
    event = make_event(db, (10,))
    holders = [apply(db, event, make_resident(), {"adult": 2}).registration for _ in range(5)]
    rng = random.Random(3)
    waiting = [apply(db, event, make_resident(), {"adult": rng.randint(1, 2)}).registration for _ in range(12)]
    assert all(w.status == "waiting" for w in waiting)
    holder_ids, event_id = [h.id for h in holders], event.id

    def work(dbs, i):
        if i < 5:
            reg.cancel(dbs, dbs.get(EventRegistration, holder_ids[i]), now=NOW)
        else:
            reg.offer_next(dbs, event_id, now=NOW)
            reg.lapse_offers(dbs, now=NOW)
        dbs.commit()
        return "done"

    results = race(app, work, n=10)
    assert results == ["done"] * 10, results
    db.expire_all()
    session = db.scalar(select(EventSession).where(EventSession.event_id == event_id))
    holding = db.scalar(select(func.coalesce(func.sum(EventRegistration.party_size), 0))
                        .where(EventRegistration.event_id == event_id, EventRegistration.status.in_(HOLDING_SEATS)))
    assert session.taken == holding <= 10
    still_waiting = db.scalars(select(EventRegistration.party_size).where(
        EventRegistration.event_id == event_id, EventRegistration.status == "waiting")).all()
    # every seat that could go to someone waiting went: nobody left waiting would fit the seats left
    assert all(size > 10 - session.taken for size in still_waiting)
    assert db.scalar(select(func.count()).select_from(Event)) == 1
    assert db.scalar(select(func.count()).select_from(Resident)) == 17
