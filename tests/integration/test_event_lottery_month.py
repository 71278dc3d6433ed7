"""A lottery event's month with time travel: applications (parties, ranked dates) → the close (the seed's hash
published by the periodic task) → the draw → winners owe the fee; one pays, one misses the deadline → the seat
goes to the first on the waiting list in draw order whose party fits, who accepts."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.clock import now
from portal.events import jobs, lottery, registration as reg
from portal.events.models import HOLDING_SEATS, EventRegistration
from tests.integration.events_factory import NOW, PAID, START, make_event

CLOSE = START - timedelta(days=7)     # a week before the first date: time to pay, and to offer a seat not paid for


def fitting_waiters(record: dict, winner_id: int) -> list[int]:
    """Those drawn onto the waiting list for the date ``winner_id`` won, whose party fits in its seats."""
    applications = {a[0]: a for a in record["applications"]}
    won_key = record["winners"][str(winner_id)][0]
    return [i for i in record["waiting"] if applications[i][3][0] == won_key
            and applications[i][2] <= applications[winner_id][2]]


def seed_with_a_fitting_waiter(committed, capacity: dict) -> str:
    for n in range(1000):
        seed = hashlib.sha256(f"month {n}".encode()).hexdigest()
        result = lottery.compute(seed, {**committed.record, "capacity": capacity})
        record = {"applications": committed.record["applications"],
                  "winners": {str(k): [w.session_key, w.rank] for k, w in result.winners.items()},
                  "waiting": [step[3] for step in result.trace if step[4] != "won"]}
        if len(result.winners) > 1 and any(fitting_waiters(record, w) for w in result.winners):
            return seed
    raise AssertionError("no seed found")


def run_lottery_job(app) -> None:
    with app.app_context():   # this test's app (its clock), whichever app was made last
        jobs.event_lottery.call_local()


@pytest.fixture
def clock(app):
    moment = {"now": NOW}
    app.extensions["clock"] = lambda: moment["now"]
    yield moment
    app.extensions.pop("clock", None)


def test_the_lottery_month(app, db, client, make_resident, clock, mail_sink):
    event = make_event(db, (3, 4), slug="cooking", allocation="lottery", session_mode="choice",
                       participant_types=PAID, pay_within_hours=48, title="親子料理教室", closes_at=CLOSE)
    first, second = [s.id for s in event.sessions]
    parties = [({"adult": 1, "child": 2}, [first, second]), ({"adult": 1, "child": 1}, [first]),
               ({"adult": 1}, [second, first]), ({"adult": 2}, [first, second]), ({"adult": 1, "child": 1}, [second]),
               ({"adult": 1}, [first]), ({"adult": 1, "child": 1}, [first, second]), ({"adult": 1}, [second])]
    with app.app_context():
        registrations = []
        for i, (party, sessions) in enumerate(parties):
            outcome = reg.apply(db, event, make_resident(), party, sessions, now=now(),
                                contact_email=f"parent{i}@example.jp")
            assert (outcome.status, outcome.fee) == ("applied", 1200 * party.get("adult", 0) + 600 * party.get(
                "child", 0))
            registrations.append(outcome.registration)
        db.commit()
    assert [s.taken for s in event.sessions] == [0, 0]      # a lottery application holds no seat

    clock["now"] = CLOSE
    run_lottery_job(app)
    committed = lottery.draw_of(db, event.id)
    assert committed.status == "committed" and len(committed.record["applications"]) == 8
    page = client.get("/ichinomiya/events/cooking/draw").get_data(as_text=True)
    assert committed.seed_commitment in page and committed.seed not in page

    # the test's own seed (and its commitment): one under which a winner's seats, if not paid for, fit the party of
    # someone waiting for the same date — the case this month is about
    committed.seed = seed_with_a_fitting_waiter(committed, {str(first): 3, str(second): 4})
    committed.seed_commitment = hashlib.sha256(bytes.fromhex(committed.seed)).hexdigest()
    db.commit()

    clock["now"] = CLOSE + lottery.DRAW_AFTER
    run_lottery_job(app)
    db.expire_all()
    drawn = lottery.draw_of(db, event.id)
    assert drawn.status == "drawn" and lottery.verify(drawn)
    winners = [r for r in registrations if r.status == "pending_payment"]
    waiting = [r for r in registrations if r.status == "waiting"]
    assert winners and waiting and len(winners) + len(waiting) == 8
    assert all(r.pay_by == clock["now"] + timedelta(hours=48) for r in winners)
    for session in event.sessions:
        held = sum(r.party_size for r in winners if r.seats[0].session_id == session.id)
        assert session.taken == held <= session.capacity
    assert len(mail_sink.messages()) == 8

    # one winner pays (the payment flow confirms the registration), another lets the deadline pass
    misser = next(w for w in winners if fitting_waiters(drawn.record, w.id))
    payer = next(w for w in winners if w.id != misser.id)
    db.execute(EventRegistration.__table__.update().where(EventRegistration.id == payer.id)
               .values(status="confirmed", pay_by=None))
    db.commit()
    clock["now"] = misser.pay_by + timedelta(minutes=1)
    with app.app_context():
        # H1's payment-deadline job gives the unpaid seats back and offers them; here, the cancellation it makes
        assert reg.cancel(db, db.get(EventRegistration, misser.id), now=now())
        db.commit()
    db.expire_all()
    freed_session = misser.seats[0].session_id
    free = next(s for s in event.sessions if s.id == freed_session)
    free_seats = free.capacity - sum(r.party_size for r in registrations
                                     if r.status in HOLDING_SEATS and r.seats[0].session_id == freed_session
                                     and r.status != "offered")
    # the first in draw order waiting for that date whose party fits the freed seats is offered them
    order = [i for i in drawn.record["waiting"] if db.get(EventRegistration, i).seats[0].session_id == freed_session]
    fitting = [i for i in order if db.get(EventRegistration, i).party_size <= free_seats]
    offered = [r for r in registrations if r.status == "offered"]
    assert fitting and fitting[0] in {o.id for o in offered}
    assert all(o.seats[0].session_id == freed_session for o in offered)

    clock["now"] += timedelta(hours=1)
    taker = db.get(EventRegistration, fitting[0])
    assert reg.accept_offer(db, taker, now=now())
    db.commit()
    db.expire_all()
    assert taker.status == "pending_payment"            # the fee is still due: the payment flow follows
    for session in event.sessions:
        held = db.scalars(select(EventRegistration).where(EventRegistration.event_id == event.id,
                                                          EventRegistration.status.in_(HOLDING_SEATS))).all()
        assert session.taken == sum(r.party_size for r in held if r.seats[0].session_id == session.id) \
            <= session.capacity
