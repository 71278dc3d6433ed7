"""Registered groups: the representative applies, staff approve, only then the group may book a facility that
requires one; a group that is not yours (or not approved) is refused."""
from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.booking.domain.calendar import jst
from portal.booking.models import BookingGroup, Reservation
from tests.conftest import sign_in_as
from tests.integration.backoffice import sign_in_staff
from tests.integration.booking_factory import make_facility
from tests.integration.helpers import csrf_token


@pytest.fixture(autouse=True)
def clock(app):
    app.extensions["clock"] = lambda: jst(date(2026, 12, 1), time(10, 0))
    yield
    app.extensions.pop("clock", None)


RULES = {"max_days_ahead": 60, "min_notice_hours": 1, "max_slots_per_person_per_month": 8, "group_required": True}
SLOT = "court-a/2026-12-08 09:00"


def register(client, **form):
    page = "/ichinomiya/mypage/groups"
    data = {"name": "一宮ソフトテニスクラブ", "name_kana": "いちのみやそふとてにすくらぶ", "members": "12",
            "resident_members": "10", "activity": "ソフトテニスの練習", "phone": "090-1111-2222", **form}
    return client.post(page, data={"csrf_token": csrf_token(client, page), **data})


def book(client, **form):
    page = "/ichinomiya/facilities/test-tennis?date=2026-12-08"
    return client.post("/ichinomiya/facilities/test-tennis/book",
                       data={"csrf_token": csrf_token(client, page), "slot": [SLOT], **form})


def test_a_group_is_registered_approved_and_then_books(app, client, db, make_resident, make_staff):
    make_facility(db, rules=RULES)
    representative = make_resident()
    sign_in_as(client, representative)

    refused = register(client, members="0", resident_members="5", phone="")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "構成員の人数を1以上" in page and 'value="一宮ソフトテニスクラブ"' in page
    assert register(client).status_code == 303
    assert "承認待ち" in client.get("/ichinomiya/mypage/groups").get_data(as_text=True)
    assert register(client).status_code == 422  # the same name twice

    # not approved yet: the facility needs a registered group
    response = book(client)
    assert response.status_code == 422 and "団体登録が必要です" in response.get_data(as_text=True)

    staff_client = app.test_client()
    sign_in_staff(staff_client, make_staff(role="admin"))
    group = db.scalar(select(BookingGroup))
    page = "/ichinomiya/backoffice/groups"
    assert "一宮ソフトテニスクラブ" in staff_client.get(page).get_data(as_text=True)
    decided = staff_client.post(f"{page}/{group.id}", data={"csrf_token": csrf_token(staff_client, page),
                                                            "to": "approved", "note": "名簿を確認しました"})
    assert decided.status_code == 303
    db.expire_all()
    assert db.get(BookingGroup, group.id).status == "approved"
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "booking.group_approved")) is not None

    assert f'<option value="{group.id}"' in client.get("/ichinomiya/facilities/test-tennis?date=2026-12-08") \
        .get_data(as_text=True)
    assert book(client, group_id=str(group.id)).status_code == 303
    reservation = db.scalar(select(Reservation))
    assert reservation.group_id == group.id and reservation.group_name == "一宮ソフトテニスクラブ"


def test_someone_elses_group_is_refused(app, client, db, make_resident, make_staff):
    make_facility(db, rules=RULES)
    owner = make_resident()
    sign_in_as(client, owner)
    register(client)
    group = db.scalar(select(BookingGroup))
    group.status = "approved"
    db.commit()
    other = app.test_client()
    sign_in_as(other, make_resident())
    response = book(other, group_id=str(group.id))
    assert response.status_code == 422 and "選んだ団体は利用できません" in response.get_data(as_text=True)
    assert db.scalar(select(Reservation)) is None


def test_residents_cannot_decide_groups_and_plain_staff_only_look(app, client, db, make_resident, make_staff):
    sign_in_as(client, make_resident())
    register(client)
    group = db.scalar(select(BookingGroup))
    staff_client = app.test_client()
    sign_in_staff(staff_client, make_staff(procedures=("juminhyo",)))
    page = "/ichinomiya/backoffice/groups"
    assert staff_client.get(page).status_code == 200
    response = staff_client.post(f"{page}/{group.id}", data={"csrf_token": csrf_token(staff_client, page),
                                                             "to": "approved"})
    assert response.status_code == 403
    db.expire_all()
    assert db.get(BookingGroup, group.id).status == "pending"
