"""Members of a registered group: the representative's invitation link (renewed links void the old), joining
(nothing happens on GET), booking and applying for the group, the group's caps counting every member, taking a
member off the list or leaving; nobody reaches a group they have no part in."""
from __future__ import annotations

import re
from datetime import date, time

import pytest
from sqlalchemy import select

from portal.booking.domain.calendar import jst
from portal.booking.models import BookingGroup, BookingGroupMember, LotteryApplication, Reservation
from portal.tenancy.models import Municipality
from tests.conftest import sign_in_as
from tests.integration.booking_factory import make_facility
from tests.integration.helpers import csrf_token

GROUPS = "/ichinomiya/mypage/groups"
RULES = {"max_days_ahead": 60, "min_notice_hours": 1, "max_slots_per_person_per_month": 8, "group_required": True}
LOTTERY = {"schedule": {}, "scope": {"day_types": ["holiday"]},
           "policy": {"max_preferences": 3, "max_applications_per_person": 2, "max_applications_per_group": 1,
                      "win_cap_per_person": 1}}
LINK = re.compile(r'value="https?://[^"]*/ichinomiya/mypage/groups/join/([^"]+)"')


@pytest.fixture(autouse=True)
def clock(app):
    app.extensions["clock"] = lambda: jst(date(2026, 12, 1), time(10, 0))  # the February lottery takes applications
    yield
    app.extensions.pop("clock", None)


def approved_group(db, representative) -> BookingGroup:
    city = db.scalar(select(Municipality).where(Municipality.slug == "ichinomiya"))
    group = BookingGroup(municipality_id=city.id, name="一宮ソフトテニスクラブ", representative_id=representative.id,
                         representative_sub=representative.sub, members=12, resident_members=10, status="approved")
    db.add(group)
    db.commit()
    return group


def signed_in(app, resident):
    client = app.test_client()
    sign_in_as(client, resident)
    return client


def post(client, url, page=GROUPS, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def invitation(client, group) -> str:
    assert post(client, f"{GROUPS}/{group.id}/invitation").status_code == 303
    match = LINK.search(client.get(GROUPS).get_data(as_text=True))
    assert match, "no invitation link on the representative's page"
    return match.group(1)


def book(client, slot="court-a/2026-12-08 09:00", **form):
    return post(client, "/ichinomiya/facilities/test-tennis/book",
                page="/ichinomiya/facilities/test-tennis?date=2026-12-08",
                slot=[slot], **form)


def test_a_member_joins_by_the_link_and_books_for_the_group(app, db, make_resident):
    make_facility(db, rules=RULES)
    representative, member, outsider = make_resident(), make_resident(name="佐藤 次郎"), make_resident()
    group = approved_group(db, representative)
    rep = signed_in(app, representative)
    token = invitation(rep, group)

    joining = signed_in(app, member)
    page = joining.get(f"{GROUPS}/join/{token}")
    assert page.status_code == 200 and "一宮ソフトテニスクラブ" in page.get_data(as_text=True)
    assert db.scalars(select(BookingGroupMember)).all() == []  # opening the link changes nothing
    assert post(joining, f"{GROUPS}/join/{token}", page=f"{GROUPS}/join/{token}").status_code == 303
    assert post(joining, f"{GROUPS}/join/{token}", page=f"{GROUPS}/join/{token}").status_code == 200  # already in
    assert len(db.scalars(select(BookingGroupMember)).all()) == 1
    assert "構成員として参加している団体" in joining.get(GROUPS).get_data(as_text=True)
    assert "佐藤 次郎" in rep.get(GROUPS).get_data(as_text=True)

    assert book(joining, group_id=str(group.id)).status_code == 303
    assert db.scalar(select(Reservation)).group_id == group.id
    # the representative sees what is booked in the group's name, and by whom
    mine = rep.get(GROUPS).get_data(as_text=True)
    assert "団体としての予約と抽選の申込" in mine and "A面 2026/12/8（火）09:00–11:00" in mine \
        and "（佐藤 次郎）" in mine
    refused = book(signed_in(app, outsider), "court-b/2026-12-08 09:00", group_id=str(group.id))
    assert refused.status_code == 422 and "選んだ団体は利用できません" in refused.get_data(as_text=True)

    # a renewed link voids the old one
    renewed = invitation(rep, group)
    assert renewed != token
    stale = signed_in(app, outsider).get(f"{GROUPS}/join/{token}")
    assert stale.status_code == 404 and "この招待用リンクは使えません" in stale.get_data(as_text=True)

    # off the list: the member can no longer book for the group
    [membership] = db.scalars(select(BookingGroupMember)).all()
    assert post(joining, f"{GROUPS}/{group.id}/members/{membership.id}/remove").status_code == 404  # not theirs
    assert post(rep, f"{GROUPS}/{group.id}/members/{membership.id}/remove").status_code == 303
    assert db.scalars(select(BookingGroupMember)).all() == []
    again = book(joining, "court-a/2026-12-08 11:00", group_id=str(group.id))
    assert again.status_code == 422


def test_the_groups_lottery_cap_counts_every_member(app, db, make_resident):
    make_facility(db, lottery=LOTTERY)
    representative, member = make_resident(), make_resident()
    group = approved_group(db, representative)
    rep = signed_in(app, representative)
    token = invitation(rep, group)
    joining = signed_in(app, member)
    post(joining, f"{GROUPS}/join/{token}", page=f"{GROUPS}/join/{token}")
    page = "/ichinomiya/facilities/test-tennis/lottery/2027-02"
    assert f'value="{group.id}"' in joining.get(page).get_data(as_text=True)  # the member may choose the group

    def apply(client, slot, **form):
        return post(client, page, page=page, email="club@example.jp", pref1=slot, **form)

    assert apply(rep, "court-a/2027-02-06 09:00", group_id=str(group.id)).status_code == 303
    refused = apply(joining, "court-b/2027-02-06 09:00", group_id=str(group.id))
    assert refused.status_code == 422 and "1団体1件まで" in refused.get_data(as_text=True)
    assert apply(joining, "court-b/2027-02-06 09:00").status_code == 303  # for themselves: their own caps
    assert [a.group_id for a in db.scalars(select(LotteryApplication).order_by(LotteryApplication.id))] == [
        group.id, None]
    mine = rep.get(GROUPS).get_data(as_text=True)
    assert mine.count("2027年2月分") == 1  # the group's application, not the member's own


def test_a_member_leaves_and_nobody_manages_a_group_that_is_not_theirs(app, db, make_resident):
    representative, member, outsider = make_resident(), make_resident(), make_resident()
    group = approved_group(db, representative)
    token = invitation(signed_in(app, representative), group)
    joining = signed_in(app, member)
    post(joining, f"{GROUPS}/join/{token}", page=f"{GROUPS}/join/{token}")
    other = signed_in(app, outsider)
    assert post(other, f"{GROUPS}/{group.id}/invitation").status_code == 404
    assert post(joining, f"{GROUPS}/{group.id}/invitation").status_code == 404  # members do not invite
    assert post(other, f"{GROUPS}/{group.id}/leave").status_code == 404
    assert post(joining, f"{GROUPS}/{group.id}/leave").status_code == 303
    assert db.scalars(select(BookingGroupMember)).all() == []
    # another city's address for the same link: nothing
    assert signed_in(app, outsider).get(f"/anjo/mypage/groups/join/{token}").status_code in (302, 404)


def test_a_pending_group_has_no_invitation(app, db, make_resident):
    representative = make_resident()
    group = approved_group(db, representative)
    group.status = "pending"
    db.commit()
    rep = signed_in(app, representative)
    assert post(rep, f"{GROUPS}/{group.id}/invitation").status_code == 409
    assert "招待用リンクを作る" not in rep.get(GROUPS).get_data(as_text=True)
