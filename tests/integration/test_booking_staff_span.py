"""Blocking one stretch of time at a facility (``staff.block_span``): the slots that overlap it on every active
unit are blocked, slots someone holds are reported and left alone, and blocking the same stretch again blocks
only what has come free since."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.booking.domain.rules import SlotStatus
from portal.booking.services import availability, inventory, staff
from tests.integration.booking_factory import make_facility

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)           # 10:00 Tokyo
DAY = date(2026, 12, 8)


def jst(text: str) -> datetime:
    return datetime.fromisoformat(text + "+09:00").astimezone(UTC)


class Audit:
    def __init__(self):
        self.rows = []

    def __call__(self, action, object_type="", object_id="", **detail):
        self.rows.append((action, object_type, object_id, detail))


def statuses(db, facility, day=DAY) -> dict[str, SlotStatus]:
    return {c.key: c.status for d in availability.days(db, facility, day, day, NOW) for c in d.cells}


@pytest.fixture
def city_app(app):
    with app.app_context():
        yield app


def test_span_slots_are_those_overlapping_the_stretch(db, city_app):
    facility = make_facility(db)
    keys = [s.key for s in staff.span_slots(facility, jst("2026-12-08T10:00"), jst("2026-12-08T13:30"))]
    assert keys == ["court-a/2026-12-08 09:00", "court-b/2026-12-08 09:00", "court-a/2026-12-08 11:00",
                    "court-b/2026-12-08 11:00", "court-a/2026-12-08 13:00", "court-b/2026-12-08 13:00"]
    # touching ends do not overlap; a unit may be chosen
    assert [s.key for s in staff.span_slots(facility, jst("2026-12-08T11:00"), jst("2026-12-08T13:00"),
                                            units=["court-b"])] == ["court-b/2026-12-08 11:00"]
    assert staff.span_slots(facility, jst("2026-12-08T13:00"), jst("2026-12-08T11:00")) == []


def test_block_span_blocks_the_free_slots_and_reports_the_held_ones(db, city_app, make_resident):
    facility = make_facility(db)
    resident = make_resident()
    [held] = inventory.resolve(facility, ["court-a/2026-12-08 11:00"])
    booking = inventory.take(db, facility, [held], kind="first_come", status="confirmed", now=NOW,
                             resident_id=resident.id, person_sub=resident.sub)
    audit = Audit()
    result = staff.block_span(db, facility, NOW, starts_at=jst("2026-12-08T10:00"), ends_at=jst("2026-12-08T12:30"),
                              note="イベント: 親子料理教室", staff_id=None, audit=audit)
    assert sorted(s.key for s in result.blocked) == ["court-a/2026-12-08 09:00", "court-b/2026-12-08 09:00",
                                                     "court-b/2026-12-08 11:00"]
    [(slot, holder)] = result.refused
    assert slot.key == "court-a/2026-12-08 11:00" and holder.reservation.id == booking.id
    assert holder.name == resident.claims["name"]
    assert (result.reservation.kind, result.reservation.status, result.reservation.note,
            result.reservation.fee_amount) == ("block", "confirmed", "イベント: 親子料理教室", 0)
    [(action, _, object_id, detail)] = audit.rows
    assert (action, object_id, detail["refused"]) == ("booking.block", result.reservation.id,
                                                      ["court-a/2026-12-08 11:00"])
    shown = statuses(db, facility)
    assert {shown[s.key] for s in result.blocked} == {SlotStatus.BOOKED}
    assert shown["court-a/2026-12-08 13:00"] == SlotStatus.FREE
    db.refresh(booking)
    assert booking.status == "confirmed"  # not taken away

    # again: nothing new is blocked, the block itself is now among the holders
    again = staff.block_span(db, facility, NOW, starts_at=jst("2026-12-08T10:00"), ends_at=jst("2026-12-08T12:30"),
                             note="イベント: 親子料理教室", staff_id=None, audit=audit)
    assert again.reservation is None and not again.blocked and len(again.refused) == 4
    assert len(audit.rows) == 1

    # the resident cancels: blocking again takes just that slot
    inventory.release(booking, "cancelled", NOW)
    db.commit()
    third = staff.block_span(db, facility, NOW, starts_at=jst("2026-12-08T10:00"), ends_at=jst("2026-12-08T12:30"),
                             note="イベント: 親子料理教室", staff_id=None, audit=audit)
    assert [s.key for s in third.blocked] == ["court-a/2026-12-08 11:00"]

    assert staff.rename_block(db, result.reservation, "イベント: 親子料理教室（午前）", audit)
    assert not staff.rename_block(db, result.reservation, "イベント: 親子料理教室（午前）", audit)
    assert result.reservation.note == "イベント: 親子料理教室（午前）" and audit.rows[-1][0] == "booking.block_rename"

    assert staff.release_block(db, result.reservation, NOW, audit)
    assert not staff.rename_block(db, result.reservation, "また", audit)
    assert statuses(db, facility)["court-a/2026-12-08 09:00"] == SlotStatus.FREE


def test_block_span_skips_past_and_closed_slots(db, city_app):
    facility = make_facility(db)
    result = staff.block_span(db, facility, jst("2026-12-08T12:00"), starts_at=jst("2026-12-08T09:00"),
                              ends_at=jst("2026-12-08T15:00"), note="行事", staff_id=None, audit=Audit())
    assert sorted(s.key for s in result.skipped) == ["court-a/2026-12-08 09:00", "court-a/2026-12-08 11:00",
                                                     "court-b/2026-12-08 09:00", "court-b/2026-12-08 11:00"]
    assert sorted(s.key for s in result.blocked) == ["court-a/2026-12-08 13:00", "court-b/2026-12-08 13:00"]
    with pytest.raises(ValueError):
        staff.block_span(db, facility, NOW, starts_at=jst("2026-12-08T09:00"), ends_at=jst("2026-12-08T15:00"),
                         note=" ", staff_id=None, audit=Audit())
