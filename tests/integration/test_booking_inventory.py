"""The database refuses a second holder of a slot; expired holds release themselves; keys round-trip."""
from __future__ import annotations

import threading
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from portal.booking.domain import config
from portal.booking.domain.calendar import jst
from portal.booking.models import Reservation, ReservationSlot
from portal.booking.services import inventory
from portal.db import make_engine
from tests.integration.booking_factory import make_facility

DAY = date(2026, 12, 7)  # a Monday
NOW = jst(date(2026, 11, 22), time(10, 0))


def slot(facility, key):
    return inventory.resolve(facility, [key])[0]


def test_keys_resolve_to_the_facility_slots(db):
    facility = make_facility(db)
    found = inventory.resolve(facility, ["court-a/2026-12-07 09:00", "court-b/2026-12-07 19:00"])
    assert [s.key for s in found] == ["court-a/2026-12-07 09:00", "court-b/2026-12-07 19:00"]
    assert found[0].starts_at == jst(DAY, time(9, 0))
    for bad in ["court-a/2026-12-07 10:00", "court-z/2026-12-07 09:00", "nonsense", "court-a/2026-13-01 09:00"]:
        with pytest.raises(inventory.UnknownSlot):
            inventory.resolve(facility, [bad])


def test_a_taken_slot_cannot_be_taken_again(db):
    facility = make_facility(db)
    first = inventory.take(db, facility, [slot(facility, "court-a/2026-12-07 09:00")], kind="first_come",
                           status="confirmed", now=NOW, fees={"court-a/2026-12-07 09:00": 600})
    assert first.fee_amount == 600
    with pytest.raises(inventory.SlotsTaken) as caught:
        inventory.take(db, facility, [slot(facility, "court-a/2026-12-07 11:00"),
                                      slot(facility, "court-a/2026-12-07 09:00")],
                       kind="first_come", status="held", now=NOW)
    assert caught.value.keys == ["court-a/2026-12-07 09:00"]
    # nothing of the refused attempt is left
    assert db.scalar(select(func.count()).select_from(Reservation)) == 1
    assert set(inventory.taken(db, facility, DAY, DAY, NOW)) == {"court-a/2026-12-07 09:00"}
    # the other court at the same time is a different slot
    inventory.take(db, facility, [slot(facility, "court-b/2026-12-07 09:00")], kind="first_come",
                   status="held", now=NOW)


def test_an_expired_hold_is_free_for_the_next_taker(db):
    facility = make_facility(db)
    key = "court-a/2026-12-07 13:00"
    held = inventory.take(db, facility, [slot(facility, key)], kind="first_come", status="held", now=NOW,
                          hold_expires_at=NOW + timedelta(minutes=30))
    assert key in inventory.taken(db, facility, DAY, DAY, NOW + timedelta(minutes=29))
    later = NOW + timedelta(minutes=30)
    assert key not in inventory.taken(db, facility, DAY, DAY, later)
    second = inventory.take(db, facility, [slot(facility, key)], kind="first_come", status="held", now=later)
    db.expire_all()
    assert db.get(Reservation, held.id).status == "expired"
    assert db.get(Reservation, second.id).status == "held"


def test_release_expired_lets_go_of_run_out_holds_only(db):
    facility = make_facility(db)
    old = inventory.take(db, facility, [slot(facility, "court-a/2026-12-07 09:00")], kind="first_come",
                         status="held", now=NOW, hold_expires_at=NOW + timedelta(minutes=5))
    kept = inventory.take(db, facility, [slot(facility, "court-a/2026-12-07 11:00")], kind="first_come",
                          status="held", now=NOW, hold_expires_at=NOW + timedelta(minutes=5))
    fresh = inventory.take(db, facility, [slot(facility, "court-a/2026-12-07 13:00")], kind="first_come",
                           status="held", now=NOW, hold_expires_at=NOW + timedelta(hours=1))
    assert inventory.release_expired(db, NOW + timedelta(minutes=10), keep=[kept.id]) == [old.id]
    db.commit()
    db.expire_all()
    assert [db.get(Reservation, r.id).status for r in (old, kept, fresh)] == ["expired", "held", "held"]
    assert db.scalar(select(func.count()).select_from(ReservationSlot).where(ReservationSlot.active)) == 2


def test_closed_days_produce_closed_slots(db):
    facility = make_facility(db)
    slots = config.slots_of(facility, date(2026, 12, 28), date(2026, 12, 29))
    assert {s.local_date: s.closed_reason for s in slots} == {date(2026, 12, 28): None, date(2026, 12, 29): "年末年始"}


def test_fifty_concurrent_takers_of_one_slot_one_wins(app, db):
    """Run on both databases; on PostgreSQL the takers truly overlap (on SQLite they queue for the writer)."""
    facility = make_facility(db)
    key = "court-a/2026-12-07 17:00"
    target = slot(facility, key)
    # One connection per thread: a pool smaller than the crowd would park threads before the barrier.
    engine = make_engine(app.config["DATABASE_URL"], poolclass=NullPool)
    maker = sessionmaker(engine, expire_on_commit=False)
    barrier = threading.Barrier(50)
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        dbs = maker()
        try:
            mine = dbs.get(type(facility), facility.id)
            barrier.wait()
            inventory.take(dbs, mine, [target], kind="first_come", status="held", now=NOW, note=f"thread {n}")
            outcomes.append("won")
        except inventory.SlotsTaken:
            outcomes.append("taken")
        finally:
            dbs.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    assert sorted(outcomes).count("won") == 1 and outcomes.count("taken") == 49
    assert db.scalar(select(func.count()).select_from(Reservation)) == 1
    assert db.scalar(select(func.count()).select_from(ReservationSlot)) == 1
