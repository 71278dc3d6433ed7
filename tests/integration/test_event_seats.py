"""Seats are taken by the database: 50 parties racing for the last 10 seats never oversell a session."""
from __future__ import annotations

import random

import pytest

from portal.events import seats
from portal.events.models import EventSession
from tests.integration.events_factory import make_event
from tests.integration.test_booking_concurrency import race


def test_a_party_takes_its_seats_whole_or_not_at_all(db):
    event = make_event(db, [10])
    session = event.sessions[0]
    seats.take(db, [session.id], 3)
    assert session.taken == 3
    seats.take(db, [session.id], 7)
    with pytest.raises(seats.SeatsGone) as gone:
        seats.take(db, [session.id], 1)
    assert gone.value.remaining == 0
    seats.give_back(db, [session.id], 2)
    assert session.taken == 8
    with pytest.raises(seats.SeatsGone):
        seats.take(db, [session.id], 3)     # two seats left: a party of three is refused, not split
    assert session.taken == 8


def test_a_series_is_taken_on_every_session_or_on_none(db):
    event = make_event(db, [10, 10, 2])
    ids = [s.id for s in event.sessions]
    with pytest.raises(seats.SeatsGone) as gone:
        seats.take(db, ids, 3)
    assert gone.value.session_id == ids[2]
    db.commit()
    assert [s.taken for s in event.sessions] == [0, 0, 0]


def test_a_cancelled_session_takes_no_seats(db):
    event = make_event(db, [10])
    event.sessions[0].status = "cancelled"
    db.commit()
    with pytest.raises(seats.SeatsGone):
        seats.take(db, [event.sessions[0].id], 1)


def test_fifty_parties_racing_for_the_last_ten_seats_never_oversell(app, db):
    event = make_event(db, [40], taken=30)
    session_id = event.sessions[0].id
    sizes = [random.Random(i).randint(1, 3) for i in range(50)]

    def apply(dbs, i):
        try:
            seats.take(dbs, [session_id], sizes[i])
        except seats.SeatsGone as gone:
            dbs.rollback()
            return gone
        dbs.commit()
        return sizes[i]

    results = race(app, apply, n=50)
    won = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, seats.SeatsGone)]
    assert len(won) + len(refused) == 50, [r for r in results if not isinstance(r, int | seats.SeatsGone)]
    db.expire_all()
    taken = db.get(EventSession, session_id).taken
    assert taken == 30 + sum(won) <= 40
    # every loser was refused because their party no longer fitted, and the seats left are fewer than the
    # smallest refused party
    assert 40 - taken < min(sizes[i] for i, r in enumerate(results) if isinstance(r, seats.SeatsGone))
