"""An event at a facility blocks the facility's slots: publishing blocks the slots overlapping each session (a
resident can no longer book them), a resident's booking is reported, never taken away, publishing or syncing
again blocks nothing twice, adding / moving / removing / cancelling a session and unpublishing keep the blocks
right, and the sessions page says per session what is held."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.booking.domain.rules import SlotStatus
from portal.booking.models import Reservation
from portal.booking.services import availability, inventory
from portal.events import cancellation, venue
from portal.events.models import Event, EventSession
from portal.procedures.publishing import publish
from portal.timezone import TOKYO
from tests.integration.backoffice import municipality, sign_in_staff
from tests.integration.booking_factory import make_facility
from tests.integration.events_factory import FREE, NOW, START, make_event
from tests.integration.helpers import post

BASE = "/ichinomiya/backoffice/admin/events"
DAY = date(2026, 12, 20)             # START's day: the session runs 10:00–12:00 Tokyo
SESSION_KEYS = ["court-a/2026-12-20 09:00", "court-b/2026-12-20 09:00", "court-a/2026-12-20 11:00",
                "court-b/2026-12-20 11:00"]
HELD = "court-a/2026-12-20 11:00"


class Audit:
    def __init__(self):
        self.actions = []

    def __call__(self, action, object_type="", object_id="", **detail):
        self.actions.append(action)


@pytest.fixture
def clock(app):
    app.extensions["clock"] = lambda: NOW
    yield
    app.extensions.pop("clock", None)


@pytest.fixture
def admin_client(client, make_staff):
    staff = make_staff(role="admin")
    sign_in_staff(client, staff)
    client.staff = staff
    return client


@pytest.fixture
def in_app(app):
    with app.app_context():
        yield


def event_definition(db, key="event-test"):
    content = {"id": key, "version": 1, "kind": "event", "category": "event", "title": "イベントの申込（テスト）",
               "audience": "signed_in", "fee": {"rule": "kind"},
               "steps": [{"id": "about", "title": "参加者", "fields": [
                   {"id": "allergies", "type": "text", "label": "アレルギー"}]}]}
    publish(db, content, source="builder", municipality=municipality(db, "ichinomiya"))
    db.commit()


def cooking_class(db, facility, status="draft", **overrides) -> Event:
    return make_event(db, (10,), slug="cooking", title="親子料理教室", facility_id=facility.id, venue_name="",
                      procedure_key="event-test", participant_types=FREE, status=status, **overrides)


def book(db, facility, resident, key=HELD) -> Reservation:
    return inventory.take(db, facility, inventory.resolve(facility, [key]), kind="first_come", status="confirmed",
                          now=NOW, resident_id=resident.id, person_sub=resident.sub)


def blocks(db, status="confirmed") -> list[Reservation]:
    db.expire_all()
    return list(db.scalars(select(Reservation).where(Reservation.kind == "block", Reservation.status == status)
                           .order_by(Reservation.id)))


def blocked_keys(db) -> list[str]:
    keys = []
    for block in blocks(db):
        units = {u.id: u.slug for u in block.facility.units}
        keys += [f"{units[r.unit_id]}/{r.starts_at.astimezone(TOKYO):%Y-%m-%d %H:%M}"
                 for r in block.slots if r.active]
    return sorted(keys)


def statuses(db, facility, day=DAY) -> dict[str, SlotStatus]:
    db.expire_all()
    return {c.key: c.status for d in availability.days(db, facility, day, day, NOW) for c in d.cells}


def audit_rows(db, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def follow(client, response) -> str:
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    return client.get(response.headers["Location"]).get_data(as_text=True)


# --- through the admin pages ------------------------------------------------------------------------------------

def test_publishing_blocks_the_overlapping_slots_and_reports_a_residents_booking(db, admin_client, clock,
                                                                                make_resident):
    event_definition(db)
    facility = make_facility(db)
    resident = make_resident()
    booking = book(db, facility, resident)
    event = cooking_class(db, facility)
    session_id = event.sessions[0].id

    page = admin_client.get(f"{BASE}/{event.id}/sessions").get_data(as_text=True)
    assert "公開すると、会場の施設「テスト市民テニスコート」" in page and not blocks(db)

    landed = follow(admin_client, post(admin_client, f"{BASE}/{event.id}/publish", page=f"{BASE}/{event.id}/publish"))
    assert "会場の施設「テスト市民テニスコート」の3枠を確保しました" in landed
    assert "1枠はすでに予約が入っているため確保できませんでした" in landed

    [block] = blocks(db)
    assert (block.note, block.fee_amount, block.staff_id, block.facility_id) == (
        f"イベント: 親子料理教室［回#{session_id}］", 0, admin_client.staff.id, facility.id)
    assert blocked_keys(db) == sorted(k for k in SESSION_KEYS if k != HELD)
    # a resident can no longer book them; the 13:00 band, after the session, stays free
    shown = statuses(db, facility)
    assert {shown[k] for k in SESSION_KEYS} == {SlotStatus.BOOKED}
    assert shown["court-a/2026-12-20 13:00"] == SlotStatus.FREE
    with pytest.raises(inventory.SlotsTaken):
        book(db, facility, make_resident(), key="court-b/2026-12-20 09:00")
    # the resident's booking is theirs still
    db.refresh(booking)
    assert (booking.status, booking.resident_id) == ("confirmed", resident.id)

    [audited] = audit_rows(db, "event.venue_blocked")
    assert (audited.object_id, audited.detail["refused"], audited.detail["refused_reservations"]) == (
        str(session_id), [HELD], [booking.id])
    assert len(audit_rows(db, "booking.block")) == 1

    page = admin_client.get(f"{BASE}/{event.id}/sessions").get_data(as_text=True)
    assert "一部確保できません" in page and "確保済みは3枠です" in page
    assert f"A面 2026/12/20（日）11:00–13:00</a>：先着順 {resident.claims['name']}" in page
    assert "施設の枠を確保し直す" in page
    assert audit_rows(db, "event.venue_holders_viewed")[-1].detail["reservations"] == [booking.id]

    # publishing again (the page of an already published event) and syncing again block nothing twice
    assert post(admin_client, f"{BASE}/{event.id}/publish", page=f"{BASE}/{event.id}/publish").status_code == 200
    again = follow(admin_client, post(admin_client, f"{BASE}/{event.id}/venue", page=f"{BASE}/{event.id}/sessions"))
    assert "新たに確保できる枠はありませんでした" in again
    assert len(blocks(db)) == 1 and len(audit_rows(db, "booking.block")) == 1

    # the resident cancels: syncing takes that slot too, and the page says all is held
    inventory.release(db.get(Reservation, booking.id), "cancelled", NOW)
    db.commit()
    again = follow(admin_client, post(admin_client, f"{BASE}/{event.id}/venue", page=f"{BASE}/{event.id}/sessions"))
    assert "の1枠を確保しました" in again
    assert blocked_keys(db) == sorted(SESSION_KEYS)
    page = admin_client.get(f"{BASE}/{event.id}/sessions").get_data(as_text=True)
    assert "施設の枠を確保済み" in page and "一部確保できません" not in page and "施設の枠を確保し直す" not in page


def test_adding_moving_and_removing_a_session_keeps_the_blocks_right(db, admin_client, clock):
    event_definition(db)
    facility = make_facility(db)
    event = cooking_class(db, facility, session_mode="choice")
    sessions = f"{BASE}/{event.id}/sessions"
    follow(admin_client, post(admin_client, f"{BASE}/{event.id}/publish", page=f"{BASE}/{event.id}/publish"))
    assert blocked_keys(db) == sorted(SESSION_KEYS)

    # a second date, 27 December 13:00–14:00: its band on both courts
    landed = follow(admin_client, post(admin_client, sessions,
                                       {"day": "2026-12-27", "start": "13:00", "end": "14:00", "capacity": "10"},
                                       page=sessions))
    assert "2枠を確保しました" in landed
    db.expire_all()
    second = db.scalar(select(EventSession).where(EventSession.event_id == event.id,
                                                  EventSession.starts_at > START))
    assert [b.note for b in blocks(db)][-1] == f"イベント: 親子料理教室［回#{second.id}］"
    assert {"court-a/2026-12-27 13:00", "court-b/2026-12-27 13:00"} <= set(blocked_keys(db))

    # moved to 17:00–18:00: the old slots are free again, the new ones held
    landed = follow(admin_client, post(admin_client, f"{sessions}/{second.id}",
                                       {"day": "2026-12-27", "start": "17:00", "end": "18:00", "capacity": "10"},
                                       page=sessions))
    assert "枠の確保を解除しました（1件）" in landed and "2枠を確保しました" in landed
    keys = set(blocked_keys(db))
    assert {"court-a/2026-12-27 17:00", "court-b/2026-12-27 17:00"} <= keys
    assert not {"court-a/2026-12-27 13:00", "court-b/2026-12-27 13:00"} & keys
    assert statuses(db, facility, date(2026, 12, 27))["court-a/2026-12-27 13:00"] == SlotStatus.FREE

    # a capacity-only change blocks nothing anew
    before = len(audit_rows(db, "booking.block"))
    follow(admin_client, post(admin_client, f"{sessions}/{second.id}",
                              {"day": "2026-12-27", "start": "17:00", "end": "18:00", "capacity": "12"},
                              page=sessions))
    assert len(audit_rows(db, "booking.block")) == before

    # removed: released
    landed = follow(admin_client, post(admin_client, f"{sessions}/{second.id}/delete", page=sessions))
    assert "枠の確保を解除しました（1件）" in landed
    assert blocked_keys(db) == sorted(SESSION_KEYS)
    assert [r.detail for r in audit_rows(db, "event.venue_released")][-1]["blocks"] == 1


def test_unpublishing_releases_and_publishing_again_blocks_again(db, admin_client, clock):
    event_definition(db)
    facility = make_facility(db)
    event = cooking_class(db, facility)
    follow(admin_client, post(admin_client, f"{BASE}/{event.id}/publish", page=f"{BASE}/{event.id}/publish"))
    assert len(blocks(db)) == 1
    landed = follow(admin_client, post(admin_client, f"{BASE}/{event.id}/unpublish",
                                       page=f"{BASE}/{event.id}/unpublish"))
    assert "枠の確保を解除しました（1件）" in landed
    assert not blocks(db) and len(blocks(db, "cancelled")) == 1
    assert {statuses(db, facility)[k] for k in SESSION_KEYS} == {SlotStatus.FREE}
    follow(admin_client, post(admin_client, f"{BASE}/{event.id}/publish", page=f"{BASE}/{event.id}/publish"))
    assert blocked_keys(db) == sorted(SESSION_KEYS)


def test_an_event_at_a_free_address_blocks_nothing(db, admin_client, clock):
    event_definition(db)
    make_facility(db)
    event = make_event(db, slug="walk", venue_name="中央公民館", procedure_key="event-test", status="draft")
    landed = follow(admin_client, post(admin_client, f"{BASE}/{event.id}/publish", page=f"{BASE}/{event.id}/publish"))
    assert "枠を確保しました" not in landed and not blocks(db)
    assert "会場の施設の枠" not in admin_client.get(f"{BASE}/{event.id}/sessions").get_data(as_text=True)


# --- the service, for the other parts (staff cancellation) -------------------------------------------------------

def test_cancelling_a_session_or_the_event_releases(db, in_app):
    facility = make_facility(db)
    event = make_event(db, (10, 10), slug="cooking", title="親子料理教室", facility_id=facility.id,
                       session_mode="series")
    audit = Audit()
    results = venue.sync_event(db, event, NOW, staff_id=None, audit=audit)
    assert [len(r.blocked) for r in results] == [4, 4] and len(blocks(db)) == 2
    assert [len(r.blocked) for r in venue.sync_event(db, event, NOW, staff_id=None, audit=audit)] == [0, 0]
    assert len(blocks(db)) == 2

    first, second = event.sessions
    first.status = "cancelled"
    db.commit()
    assert venue.release_session_blocks(db, first, NOW, audit) == 1
    assert venue.release_session_blocks(db, first, NOW, audit) == 0
    assert [b.note for b in blocks(db)] == [venue.note_of(event, second)]
    # a cancelled session is not blocked again by a later sync
    assert [len(r.blocked) for r in venue.sync_event(db, event, NOW, staff_id=None, audit=audit)] == [0, 0]

    event.status = "cancelled"
    db.commit()
    assert venue.release_event_blocks(db, event, NOW, audit) == 1
    assert not blocks(db)
    assert "event.venue_released" in audit.actions and "booking.block_release" in audit.actions


def test_a_venue_change_moves_the_blocks_and_a_session_over_is_left_alone(db, in_app):
    tennis = make_facility(db)
    hall = make_facility(db, slug="test-hall", units=("room-a",), name="テストホール")
    event = make_event(db, slug="cooking", title="親子料理教室", facility_id=tennis.id)
    venue.sync_event(db, event, NOW, staff_id=None, audit=Audit())
    event.facility_id = hall.id
    db.commit()
    [result] = venue.sync_event(db, event, NOW, staff_id=None, audit=Audit())
    assert (result.released, len(result.blocked)) == (1, 2)
    assert [b.facility_id for b in blocks(db)] == [hall.id]

    event.title = "親子料理教室（冬）"
    db.commit()
    [result] = venue.sync_event(db, event, NOW, staff_id=None, audit=Audit())
    assert [b.note for b in blocks(db)] == [f"イベント: 親子料理教室（冬）［回#{event.sessions[0].id}］"]
    assert not result.blocked and not result.released

    later = START + timedelta(hours=3)
    event.status = "unpublished"
    db.commit()
    [result] = venue.sync_event(db, event, later, staff_id=None, audit=Audit())
    assert result.released == 0 and len(blocks(db)) == 1  # the session is over: its block is history


def test_the_state_of_each_session(db, in_app, make_resident):
    facility = make_facility(db)
    event = make_event(db, slug="cooking", title="親子料理教室", facility_id=facility.id)
    assert venue.venue_states(db, event, NOW)[event.sessions[0].id].state == "partial"  # nothing blocked yet
    book(db, facility, make_resident())
    venue.sync_event(db, event, NOW, staff_id=None, audit=Audit())
    state = venue.venue_states(db, event, NOW)[event.sessions[0].id]
    assert (state.state, len(state.blocked), [s.key for s, _ in state.refused], state.free) == (
        "partial", 3, [HELD], [])
    # a session at night, outside the facility's hours
    event.sessions[0].starts_at = datetime(2026, 12, 20, 13, 0, tzinfo=UTC)   # 22:00 Tokyo
    event.sessions[0].ends_at = datetime(2026, 12, 20, 14, 0, tzinfo=UTC)
    db.commit()
    venue.sync_event(db, event, NOW, staff_id=None, audit=Audit())
    assert venue.venue_states(db, event, NOW)[event.sessions[0].id].state == "none"
    assert not blocks(db)


def test_staff_cancelling_a_session_then_the_event_frees_the_facility(db, in_app, make_staff):
    facility = make_facility(db)
    event = make_event(db, (10, 10), slug="cooking", title="親子料理教室", facility_id=facility.id)
    audit = Audit()
    venue.sync_event(db, event, NOW, staff_id=None, audit=audit)
    assert len(blocks(db)) == 2
    staff = make_staff(role="admin")
    first = event.sessions[0]
    assert cancellation.cancel_session(db, lambda *_: None, first, "講師の急病", staff.id, now=NOW, audit=audit)
    assert [b.note for b in blocks(db)] == [venue.note_of(event, event.sessions[1])]
    assert cancellation.cancel_event(db, lambda *_: None, event, "荒天", staff.id, now=NOW, audit=audit)
    assert not blocks(db)
