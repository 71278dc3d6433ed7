"""Choosing lottery preferences without a drop-down of the month's slots: 第N希望を選ぶ → the lottery month's days
→ the day's slots, each pick a plain form (no JavaScript); the picks are kept server-side until the application,
can be changed and removed; the page stays light; a refused application speaks of the lottery; the facility page
stops saying 抽選受付中 once the window has closed."""
from __future__ import annotations

import re
from datetime import date, time

import pytest
from sqlalchemy import select

from portal.booking.domain.calendar import jst
from portal.booking.models import LotteryApplication, LotteryPreferenceDraft
from tests.conftest import sign_in_as
from tests.integration.booking_factory import make_facility
from tests.integration.helpers import location_path, post
from tests.integration.test_translations_pages import switch_to_english

LOTTERY = {"schedule": {}, "scope": {"day_types": ["holiday"]},
           "policy": {"max_preferences": 3, "max_applications_per_person": 2, "win_cap_per_person": 1}}
S1, S2, S3 = "court-a/2027-02-06 09:00", "court-a/2027-02-06 11:00", "court-b/2027-02-07 13:00"
APPLY = "/ichinomiya/facilities/test-tennis/lottery/2027-02"
HIDDEN = re.compile(r'<input type="hidden" name="(pref\d|csrf_token)" value="([^"]*)">')


@pytest.fixture
def clock(app):
    moment = {"now": jst(date(2026, 12, 2), time(10, 0))}  # the February lottery takes applications
    app.extensions["clock"] = lambda: moment["now"]
    yield moment
    app.extensions.pop("clock", None)


@pytest.fixture
def resident_client(app, db, make_resident, clock):
    client = app.test_client()
    resident = make_resident()
    sign_in_as(client, resident)
    return client, resident


def pick(client, rank: int, key: str):
    day = key.split("/")[1][:10]
    page = f"{APPLY}/choose/{rank}?date={day}"
    assert f'value="{key}"' in client.get(page).get_data(as_text=True)
    return post(client, f"{APPLY}/choose/{rank}", {"slot": key}, page=page)


def hidden_prefs(page: str) -> list[str]:
    return [value for name, value in HIDDEN.findall(page) if name.startswith("pref")]


def test_preferences_are_picked_day_then_slot_changed_and_removed_then_applied(db, resident_client):
    make_facility(db, lottery=LOTTERY)
    client, resident = resident_client
    page = client.get(APPLY).get_data(as_text=True)
    assert "<select" not in page and "<option" not in page
    assert f'href="{APPLY}/choose/1"' in page and "第1希望を選ぶ" in page
    assert f'href="{APPLY}/choose/2"' not in page  # ranks are filled in order

    days = client.get(f"{APPLY}/choose/1").get_data(as_text=True)
    assert f"{APPLY}/choose/1?date=2027-02-06" in days and "2027年2月6日（土）" in days
    assert "date=2027-02-08" not in days  # a Monday is not in this lottery
    slots = client.get(f"{APPLY}/choose/1?date=2027-02-06").get_data(as_text=True)
    assert 'method="post"' in slots and f'name="slot" value="{S1}"' in slots \
        and "<script" not in slots.split("<main")[1]

    response = pick(client, 1, S1)
    assert response.status_code == 303 and location_path(response) == APPLY
    assert pick(client, 2, S3).status_code == 303
    assert pick(client, 3, S2).status_code == 303
    page = client.get(APPLY).get_data(as_text=True)
    assert hidden_prefs(page) == [S1, S3, S2]
    assert "2027年2月6日（土）09:00〜 A面" in page and "第3希望を選ぶ" not in page

    assert pick(client, 1, S3).status_code == 303  # a slot moves to its new rank, never at two ranks
    assert hidden_prefs(client.get(APPLY).get_data(as_text=True)) == [S3, S2]
    removed = post(client, f"{APPLY}/remove/1", page=APPLY)
    assert removed.status_code == 303
    page = client.get(APPLY).get_data(as_text=True)
    assert hidden_prefs(page) == [S2]

    # the application form as a browser without JavaScript sends it
    form = dict(HIDDEN.findall(page))
    applied = client.post(APPLY, data={**form, "email": "hanako@example.jp"})
    assert applied.status_code == 303, applied.get_data(as_text=True)[:800]
    application = db.scalar(select(LotteryApplication).where(LotteryApplication.resident_id == resident.id))
    assert application.preferences == [S2]
    assert db.scalars(select(LotteryPreferenceDraft)).all() == []  # the picks became the application


def test_picks_are_checked_and_belong_to_their_resident(app, db, make_resident, resident_client):
    make_facility(db, lottery=LOTTERY)
    client, _resident = resident_client
    assert client.get(f"{APPLY}/choose/2").status_code == 404  # rank 1 first
    assert client.get(f"{APPLY}/choose/99999999999999999999").status_code == 404
    assert client.get(f"{APPLY}/choose/1?date=2027-02-08").status_code == 404  # not a lottery day
    weekday = post(client, f"{APPLY}/choose/1", {"slot": "court-a/2027-02-08 09:00"}, page=f"{APPLY}/choose/1")
    assert weekday.status_code == 422
    assert pick(client, 1, S1).status_code == 303
    other = app.test_client()
    sign_in_as(other, make_resident())
    assert hidden_prefs(other.get(APPLY).get_data(as_text=True)) == []
    anonymous = app.test_client().get(f"{APPLY}/choose/1")
    assert anonymous.status_code in (302, 303) and "/login" in location_path(anonymous)


def test_the_application_page_is_light(db, resident_client):
    """Every day of the month in the lottery: 2 courts × 6 bands × 28 days. The three drop-downs were 115 KB."""
    make_facility(db, lottery={**LOTTERY, "scope": {}})
    client, _resident = resident_client
    assert len(client.get(APPLY).data) < 12_000
    assert len(client.get(f"{APPLY}/choose/1").data) < 20_000
    assert len(client.get(f"{APPLY}/choose/1?date=2027-02-09").data) < 15_000


def test_a_refused_application_is_headed_with_the_lottery_and_says_why(db, resident_client):
    make_facility(db, lottery=LOTTERY)
    client, _resident = resident_client
    pick(client, 1, S1)
    refused = post(client, APPLY, {"pref1": S1, "email": ""}, page=APPLY)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "抽選の申込ができませんでした" in page and "予約できませんでした" not in page
    assert "結果をお知らせするメールアドレスを入力してください。" in page
    assert hidden_prefs(page) == [S1]  # the picks are kept


def test_after_the_window_closes_nothing_says_lottery_applications_are_open(app, db, resident_client, clock):
    make_facility(db, lottery=LOTTERY)
    client, _resident = resident_client
    month = client.get("/ichinomiya/facilities/test-tennis?view=month&date=2027-02-01").get_data(as_text=True)
    day = client.get("/ichinomiya/facilities/test-tennis?date=2027-02-06").get_data(as_text=True)
    assert "抽選受付中" in month and "抽選受付中" in day
    clock["now"] = jst(date(2026, 12, 11), time(0, 0))  # the window was until the 10th, end of day
    month = client.get("/ichinomiya/facilities/test-tennis?view=month&date=2027-02-01").get_data(as_text=True)
    day = client.get("/ichinomiya/facilities/test-tennis?date=2027-02-06").get_data(as_text=True)
    assert "抽選受付中" not in month and "抽選受付中" not in day
    assert "2027年2月分の抽選に申し込む" not in day
    closed = client.get(f"{APPLY}/choose/1")
    assert closed.status_code == 303 and location_path(closed) == APPLY
    assert "現在は抽選の申込期間外です。" in client.get(APPLY).get_data(as_text=True)


def test_months_read_as_months_in_japanese_and_english(db, resident_client):
    make_facility(db, lottery=LOTTERY)
    client, _resident = resident_client
    day = client.get("/ichinomiya/facilities/test-tennis?date=2027-02-06").get_data(as_text=True)
    assert "2027年2月分の抽選に申し込む" in day
    month = client.get("/ichinomiya/facilities/test-tennis?view=month&date=2026-12-01").get_data(as_text=True)
    assert "2026年12月" in month
    switch_to_english(client, APPLY)
    assert "Lottery application for February 2027" in client.get(APPLY).get_data(as_text=True)
    month = client.get("/ichinomiya/facilities/test-tennis?view=month&date=2026-12-01").get_data(as_text=True)
    assert "December 2026" in month and "2026-12<" not in month
    refused = post(client, APPLY, {"pref1": S1, "email": ""}, page=APPLY).get_data(as_text=True)
    assert "The lottery application could not be made" in refused
