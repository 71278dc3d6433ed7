"""Races that the database must decide: two tabs of one person against the monthly cap, two members of one group
against the group's application cap, two draws of one round."""
from __future__ import annotations

import threading
from datetime import date, time

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from portal.booking.domain.calendar import jst
from portal.booking.models import (
    BookingGroup,
    BookingGroupMember,
    Facility,
    LotteryApplication,
    LotteryRound,
    Reservation,
)
from portal.booking.services import booking as service, lottery as lottery_service
from portal.db import make_engine
from portal.identity.models import Resident
from tests.integration.booking_factory import make_facility

NOW = jst(date(2026, 12, 1), time(10, 0))
CAP_ONE = {"max_days_ahead": 60, "min_notice_hours": 1, "max_slots_per_person_per_month": 1, "hold_minutes": 30}


def race(app, work, n: int = 2) -> list:
    """Run ``work(session, i)`` in ``n`` threads at once, each with its own connection and app context."""
    engine = make_engine(app.config["DATABASE_URL"], poolclass=NullPool)
    maker = sessionmaker(engine, expire_on_commit=False)
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        with app.app_context():
            dbs = maker()
            try:
                barrier.wait()
                results[i] = work(dbs, i)
            except Exception as exc:  # noqa: BLE001 — the outcome is what the test looks at
                results[i] = exc
            finally:
                dbs.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    engine.dispose()
    return results


def test_two_tabs_of_one_person_cannot_both_pass_the_monthly_cap(app, db, make_resident):
    facility = make_facility(db, rules=CAP_ONE)
    resident = make_resident()
    keys = ["court-a/2026-12-08 09:00", "court-b/2026-12-09 09:00"]

    def book(dbs, i):
        return service.book(dbs, dbs.get(Facility, facility.id), dbs.get(Resident, resident.id), [keys[i]], NOW)

    results = race(app, book)
    refused = [r for r in results if isinstance(r, service.BookingRefused)]
    assert len(refused) == 1 and refused[0].violations[0].code == "monthly_cap", results
    assert db.scalar(select(func.count()).select_from(Reservation)) == 1


def test_two_members_of_one_group_cannot_both_pass_the_groups_cap(app, db, make_resident):
    lottery = {"schedule": {}, "scope": {"day_types": ["holiday"]},
               "policy": {"max_applications_per_person": 2, "max_applications_per_group": 1}}
    facility = make_facility(db, lottery=lottery)
    representative, member = make_resident(), make_resident()
    group = BookingGroup(municipality_id=facility.municipality_id, name="一宮ソフトテニスクラブ",
                         representative_id=representative.id, representative_sub=representative.sub, status="approved")
    group.memberships = [BookingGroupMember(resident_id=member.id, person_sub=member.sub)]
    db.add(group)
    db.commit()
    people, keys = [representative.id, member.id], ["court-a/2027-02-06 09:00", "court-b/2027-02-06 09:00"]

    def apply(dbs, i):
        return lottery_service.apply(dbs, dbs.get(Facility, facility.id), dbs.get(Resident, people[i]),
                                     lottery_service.Month(2027, 2), [keys[i]], jst(date(2026, 12, 2), time(10, 0)),
                                     "club@example.jp", dbs.get(BookingGroup, group.id))

    results = race(app, apply)
    refused = [r for r in results if isinstance(r, service.BookingRefused)]
    assert len(refused) == 1 and refused[0].violations[0].code == "group_application_cap", results
    assert db.scalar(select(func.count()).select_from(LotteryApplication)) == 1


def test_two_draws_of_one_round_draw_it_once(app, db, make_resident, mail_sink):
    lottery = {"schedule": {}, "scope": {"day_types": ["holiday"]}, "policy": {}}
    facility = make_facility(db, lottery=lottery)
    with app.app_context():  # pseudonyms are keyed with the app's secret
        for key in ("court-a/2027-02-06 09:00", "court-b/2027-02-06 09:00"):
            lottery_service.apply(db, facility, make_resident(), lottery_service.Month(2027, 2), [key],
                                  jst(date(2026, 12, 2), time(10, 0)), "a@example.jp")
        lottery_service.run_due(db, jst(date(2026, 12, 11), time(9, 0)))
    results = race(app, lambda dbs, i: lottery_service.run_due(dbs, jst(date(2026, 12, 12), time(10, 0))))
    assert sorted(r["drawn"] for r in results) == [0, 1], results
    db.expire_all()
    assert db.scalar(select(LotteryRound)).status == "drawn"
    assert db.scalar(select(func.count()).select_from(Reservation)) == 2
    assert {a.status for a in db.scalars(select(LotteryApplication))} == {"won"}
