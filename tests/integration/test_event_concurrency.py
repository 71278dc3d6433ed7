"""Races the database must decide, through the services the pages and jobs call (PostgreSQL with DATABASE_URL;
SQLite, one writer at a time, otherwise): 50 residents with parties of 1–3 applying at once for the last 10 seats,
and the waiting list promoted by two workers while residents cancel, withdraw and accept at the same moment.

A watcher on its own connection reads the seat counters all through each race: no session is ever seen over its
capacity or below zero, not only at the end."""
from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from portal.db import make_engine
from portal.events import registration as reg
from portal.events.models import HOLDING_SEATS, Event, EventRegistration, EventSession, RegistrationSession
from portal.identity.models import Resident
from tests.integration.events_factory import NOW, make_event
from tests.integration.test_booking_concurrency import race

LAST_SEATS, CAPACITY = 10, 40


class Watcher:
    """Reads every session's (taken, capacity) of one event in a loop until stopped; ``seen`` is every reading."""

    def __init__(self, app, event_id: int):
        self.engine = make_engine(app.config["DATABASE_URL"], poolclass=NullPool)
        self.event_id = event_id
        self.seen: list[tuple[int, int, int]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self):
        with sessionmaker(self.engine)() as dbs:
            while not self.stop.is_set():
                rows = dbs.execute(select(EventSession.id, EventSession.taken, EventSession.capacity)
                                   .where(EventSession.event_id == self.event_id)).all()
                dbs.rollback()   # a fresh snapshot each time
                self.seen.extend((r.id, r.taken, r.capacity) for r in rows)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(30)
        self.engine.dispose()

    def assert_never_oversold(self):
        assert self.seen, "the watcher read nothing"
        assert all(0 <= taken <= capacity for _, taken, capacity in self.seen), max(self.seen, key=lambda s: s[1])


def holding(db, event_id: int) -> int:
    return db.scalar(select(func.coalesce(func.sum(EventRegistration.party_size), 0))
                     .where(EventRegistration.event_id == event_id, EventRegistration.status.in_(HOLDING_SEATS)))


@pytest.mark.parametrize("mode", ["single", "series"])
@pytest.mark.parametrize("waitlist", [False, True], ids=["no-waitlist", "waitlist"])
def test_fifty_residents_racing_for_the_last_ten_seats_never_oversell(app, db, make_resident, mode, waitlist):
    event = make_event(db, (CAPACITY,) * (2 if mode == "series" else 1), taken=CAPACITY - LAST_SEATS,
                       session_mode=mode, waitlist=waitlist)
    event_id = event.id
    residents = [make_resident().id for _ in range(50)]
    sizes = [random.Random(f"{mode}{i}").randint(1, 3) for i in range(50)]
    # more parties of one than seats: one of them must lose, which can only be because no seat was left at all
    assert sizes.count(1) > LAST_SEATS

    def apply(dbs, i):
        event = dbs.get(Event, event_id)
        session_ids = [] if mode == "series" else [event.sessions[0].id]
        try:
            outcome = reg.apply(dbs, event, dbs.get(Resident, residents[i]), {"adult": sizes[i]}, session_ids,
                                now=NOW)
        except reg.RegistrationRefused as refused:
            dbs.rollback()
            return refused
        dbs.commit()
        return outcome.status

    with Watcher(app, event_id) as watcher:
        results = race(app, apply, n=50)
    watcher.assert_never_oversold()

    unexpected = [r for r in results if not isinstance(r, reg.RegistrationRefused) and r not in ("confirmed",
                                                                                                   "waiting")]
    assert not unexpected, unexpected
    won = [i for i, r in enumerate(results) if r == "confirmed"]
    lost = [i for i, r in enumerate(results) if r != "confirmed"]
    db.expire_all()
    sessions = db.scalars(select(EventSession).where(EventSession.event_id == event_id)).all()
    seated = sum(sizes[i] for i in won)
    assert seated == LAST_SEATS                                   # the demand exceeds the seats: all of them go
    assert [s.taken for s in sessions] == [CAPACITY] * len(sessions)
    assert holding(db, event_id) == seated
    for i in lost:
        if waitlist:
            assert results[i] == "waiting"
        else:
            # every loser is told why, with the seats that were left — fewer than their party, never split
            assert isinstance(results[i], reg.RegistrationRefused) and results[i].code == "full", results[i]
            assert results[i].details["remaining"] < sizes[i]
    assert db.scalar(select(func.count()).select_from(EventRegistration)
                     .where(EventRegistration.event_id == event_id)) == (50 if waitlist else len(won))
    # a series is held whole: every session of it carries the same parties
    if mode == "series":
        per_session = db.execute(select(RegistrationSession.session_id, func.count())
                                 .join(EventRegistration, EventRegistration.id == RegistrationSession.registration_id)
                                 .where(EventRegistration.status == "confirmed")
                                 .group_by(RegistrationSession.session_id)).all()
        assert sorted(n for _, n in per_session) == [len(won)] * 2


def _promotion_world(db, make_resident, slug: str):
    """Six seats held by three parties of two, eight people waiting (parties of 1–2), and the offers made when one
    holder cancelled a day ago — due to lapse now."""
    event = make_event(db, (6,), slug=slug)
    rng = random.Random(slug)
    holders = [reg.apply(db, event, make_resident(), {"adult": 2}, [event.sessions[0].id], now=NOW).registration
               for _ in range(3)]
    waiting = [reg.apply(db, event, make_resident(), {"adult": rng.randint(1, 2)}, [event.sessions[0].id],
                         now=NOW).registration for _ in range(8)]
    db.commit()
    assert {h.status for h in holders} == {"confirmed"} and {w.status for w in waiting} == {"waiting"}
    reg.cancel(db, holders[0], now=NOW)
    db.commit()
    db.expire_all()
    offered = [w for w in waiting if w.status == "offered"]
    assert offered and sum(w.party_size for w in offered) <= 2
    return event, holders[1:], waiting, offered


@pytest.mark.parametrize("round_no", range(3))
def test_the_waiting_list_promoted_by_two_workers_while_residents_cancel_never_offers_a_seat_twice(
        app, db, make_resident, round_no):
    event, holders, waiting, offered = _promotion_world(db, make_resident, f"promotion-{round_no}")
    event_id, later = event.id, NOW + timedelta(hours=24)          # the offers run out now
    still_waiting = [w.id for w in waiting if w.status == "waiting"]
    jobs = [
        lambda dbs: reg.lapse_offers(dbs, now=later),
        lambda dbs: reg.lapse_offers(dbs, now=later),
        lambda dbs: reg.offer_next(dbs, event_id, now=later),
        lambda dbs: reg.offer_next(dbs, event_id, now=later),
        # a holder cancels at the same moment: their seats must go to the list once
        lambda dbs: reg.cancel(dbs, dbs.get(EventRegistration, holders[0].id), now=later),
        # an offered resident withdraws while the job lapses the same offer: one of the two moves it
        lambda dbs: reg.cancel(dbs, dbs.get(EventRegistration, offered[0].id), now=later),
        # someone still waiting leaves the list while it is being offered to
        lambda dbs: reg.cancel(dbs, dbs.get(EventRegistration, still_waiting[0]), now=later),
        # the offered resident accepting at the moment it runs out is refused (the deadline has passed)
        lambda dbs: reg.accept_offer(dbs, dbs.get(EventRegistration, offered[-1].id), now=later),
    ]

    def work(dbs, i):
        result = jobs[i](dbs)
        dbs.commit()
        return result

    with Watcher(app, event_id) as watcher:
        results = race(app, work, n=len(jobs))
    watcher.assert_never_oversold()
    assert not [r for r in results if isinstance(r, Exception)], results

    db.expire_all()
    session = db.scalar(select(EventSession).where(EventSession.event_id == event_id))
    assert 0 <= session.taken == holding(db, event_id) <= session.capacity
    # two workers offered at once: every registration offered at most once, and the seats offered plus those held
    # are exactly the seats taken
    statuses = dict(db.execute(select(EventRegistration.id, EventRegistration.status)
                               .where(EventRegistration.event_id == event_id)).all())
    # leaving the list races the offer: either it left, or it was offered first and the click changed nothing
    assert (results[6], statuses[still_waiting[0]]) in ((True, "withdrawn"), (False, "offered"))
    assert results[7] is False
    assert statuses[offered[0].id] in ("lapsed", "withdrawn")
    assert results[4] is True and statuses[holders[0].id] == "cancelled"
    newly_offered = [i for i, s in statuses.items() if s == "offered"]
    assert all(db.get(EventRegistration, i).offer_expires_at > later for i in newly_offered)
    for first, second in ((results[0], results[1]), (results[2], results[3])):   # the two workers' own results
        assert not set(first) & set(second), (first, second)
    # nobody left waiting would fit the seats left free: every seat that could be offered was
    free = session.capacity - session.taken
    left_waiting = [db.get(EventRegistration, i).party_size for i, s in statuses.items() if s == "waiting"]
    assert all(size > free for size in left_waiting), (free, left_waiting)
