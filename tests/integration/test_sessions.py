"""Sessions end when they should: logout revokes every copy of the cookie (residents and staff), and a session
ends after its idle time and, however busy, after its absolute lifetime. Time is moved with the app's
session clock (``app.extensions["session_clock"]``), not by editing the cookie."""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from tests.conftest import sign_in_as
from tests.integration.backoffice import login
from tests.integration.helpers import location_path, post


@pytest.fixture
def session_clock(app):
    """The wall clock the session checks use, moved by tests; real time plus ``offset`` seconds."""
    clock = {"offset": 0}
    app.extensions["session_clock"] = lambda: time.time() + clock["offset"]
    yield clock
    app.extensions.pop("session_clock", None)


def signed_in(client, url="/ichinomiya/mypage/") -> bool:
    response = client.get(url)
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/login" in location_path(response), response.status_code
    return False


def test_resident_logout_revokes_a_copied_cookie(app, client, make_resident):
    resident = make_resident()
    sign_in_as(client, resident)
    assert signed_in(client)
    copied = client.get_cookie("session").value
    post(client, "/logout", page="/ichinomiya/")
    assert not signed_in(client)
    replay = app.test_client()
    replay.set_cookie("session", copied)
    assert not signed_in(replay)


def test_logging_out_on_one_device_signs_the_resident_out_everywhere(app, client, make_resident):
    """One session version per resident: documented in the README."""
    resident = make_resident()
    phone, desktop = app.test_client(), app.test_client()
    sign_in_as(phone, resident)
    sign_in_as(desktop, resident)
    assert signed_in(phone) and signed_in(desktop)
    post(phone, "/logout", page="/ichinomiya/")
    assert not signed_in(desktop)


def test_resident_session_ends_after_an_hour_without_a_request(app, client, make_resident, session_clock):
    sign_in_as(client, make_resident())
    session_clock["offset"] = app.config["PERMANENT_SESSION_LIFETIME"] - 60
    assert signed_in(client)
    session_clock["offset"] += app.config["PERMANENT_SESSION_LIFETIME"] + 1
    response = client.get("/ichinomiya/mypage/")
    assert "/login" in location_path(response)
    assert "一定時間が経過したため" in client.get(location_path(response)).get_data(as_text=True)


def test_resident_session_ends_twelve_hours_after_sign_in_however_busy(app, client, make_resident, session_clock):
    assert app.config["RESIDENT_SESSION_MAX_SECONDS"] == 12 * 3600
    sign_in_as(client, make_resident())
    # A request every half hour keeps the idle timer happy...
    while session_clock["offset"] + 1800 < 12 * 3600:
        session_clock["offset"] += 1800
        assert signed_in(client), session_clock["offset"]
    # ...but not past the absolute lifetime, and a cookie copied earlier dies with it.
    copied = client.get_cookie("session").value
    session_clock["offset"] = 12 * 3600 + 1
    assert not signed_in(client)
    replay = app.test_client()
    replay.set_cookie("session", copied)
    assert not signed_in(replay)


def test_staff_logout_revokes_a_copied_cookie(app, client, db, make_staff):
    staff = make_staff()
    assert location_path(login(client, staff)) == "/ichinomiya/backoffice/"
    assert signed_in(client, "/ichinomiya/backoffice/")
    copied = client.get_cookie("session").value
    post(client, "/ichinomiya/backoffice/logout", page="/ichinomiya/backoffice/")
    replay = app.test_client()
    replay.set_cookie("session", copied)
    assert not signed_in(replay, "/ichinomiya/backoffice/")
    assert not signed_in(client, "/ichinomiya/backoffice/")
    assert db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all() == ["staff.login", "staff.logout"]


def test_staff_session_ends_ten_hours_after_sign_in_however_busy(app, client, db, make_staff, session_clock):
    assert app.config["STAFF_SESSION_MAX_SECONDS"] == 10 * 3600
    login(client, make_staff())
    while session_clock["offset"] + 1200 < 10 * 3600:
        session_clock["offset"] += 1200
        assert signed_in(client, "/ichinomiya/backoffice/"), session_clock["offset"]
    session_clock["offset"] = 10 * 3600 + 1
    assert not signed_in(client, "/ichinomiya/backoffice/")


def test_staff_session_ends_after_thirty_minutes_idle(app, client, db, make_staff, session_clock):
    login(client, make_staff())
    session_clock["offset"] = app.config["STAFF_IDLE_SECONDS"] + 1
    response = client.get("/ichinomiya/backoffice/")
    assert "/backoffice/login" in location_path(response)
    assert "一定時間操作がなかったため" in client.get(location_path(response)).get_data(as_text=True)


def test_a_post_that_needs_sign_in_returns_to_the_page_it_came_from(client, db):
    response = client.post("/ichinomiya/mypage/bookings/1/cancel",
                           headers={"Referer": "http://localhost/ichinomiya/mypage/bookings/1"},
                           data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                         client.get("/login").get_data(as_text=True)).group(1)})
    assert location_path(response) == "/login?next=/ichinomiya/mypage/bookings/1"
