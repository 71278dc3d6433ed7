"""Two portal processes — real gunicorns on two ports, one database, one Redis — behave as one portal: a rate limit
holds across them (test_rate_limits shows the same for the store alone and for a plain second process) and a
booking race between them has exactly one winner, and their metrics add up in one multi-process directory."""
from __future__ import annotations

import os
import re
import threading
from datetime import date, timedelta

import pytest
import requests
from sqlalchemy import func, select

from bench.pages import gunicorn
from portal.booking.models import Reservation, ReservationSlot
from tests.conftest import ROOT, sign_in_as
from tests.integration.booking_factory import make_facility

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def gunicorns(app, database_url, redis_url, tmp_path_factory):
    """Two gunicorns (one sync worker each, started side by side) with the test app's settings, counting rate
    limits in Redis. They keep no state of their own between tests: the database and Redis are reset."""
    tmp_path = tmp_path_factory.mktemp("gunicorns")
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": app.config["SECRET_KEY"],
           "RATELIMIT_STORAGE_URI": redis_url, "PORTAL_INSTANCE_DIR": str(tmp_path),
           "UPLOAD_DIR": str(tmp_path / "uploads"), "FORMS_DIR": str(ROOT / "forms"),
           "OIDC_CLIENT_SECRET": "test-client-secret", "SESSION_COOKIE_SECURE": "false",
           "SMTP_PORT": str(app.config["SMTP_PORT"]), "LOG_FORMAT": "text", "PORTAL_ENV": "production",
           # as gunicorn's workers do: every process keeps its metrics in files there, a scrape adds them up
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    (tmp_path / "metrics").mkdir()
    servers = [gunicorn("wsgi:app", env, "/healthz", workers=1) for _ in range(2)]
    ports: list = [None, None]

    def start(i: int) -> None:
        ports[i] = servers[i].__enter__()

    threads = [threading.Thread(target=start, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    try:
        assert all(ports), "a gunicorn did not start"
        yield ports
    finally:
        for server, port in zip(servers, ports):
            if port:
                server.__exit__(None, None, None)


@pytest.fixture
def two_portals(gunicorns, db, redis_url):
    from limits.storage import storage_from_string

    storage_from_string(redis_url).reset()
    return gunicorns


def browser(port: int, cookie: str | None = None) -> requests.Session:
    session = requests.Session()
    session.base = f"http://127.0.0.1:{port}"
    if cookie:
        session.cookies.set("session", cookie, domain="127.0.0.1")
    return session


def post(session: requests.Session, path: str, page: str, data: dict) -> int:
    token = CSRF.search(session.get(session.base + page, timeout=30).text).group(1)
    return session.post(session.base + path, data={"csrf_token": token, **data}, allow_redirects=False,
                        timeout=30).status_code


def test_the_staff_sign_in_limit_holds_across_two_gunicorns(two_portals, make_staff):
    """``10 per minute`` per client: 7 wrong passwords through each process, 14 in all, 4 refused."""
    staff = make_staff()
    login = "/ichinomiya/backoffice/login"
    first, second = (browser(port) for port in two_portals)
    codes = []
    for _ in range(7):
        for session in (first, second):
            codes.append(post(session, login, login, {"username": staff.username, "password": "wrong"}))
    assert codes.count(429) == 4 and len(codes) == 14, codes


def test_a_booking_race_across_two_gunicorns_has_one_winner(app, db, two_portals, make_resident):
    facility = make_facility(db)
    day = date.today() + timedelta(days=7)
    key = f"court-a/{day.isoformat()} 09:00"
    cookies = []
    for _ in two_portals:
        client = app.test_client()
        sign_in_as(client, make_resident())
        cookies.append(client.get_cookie("session").value)
    sessions = [browser(port, cookie) for port, cookie in zip(two_portals, cookies)]
    page = f"/ichinomiya/facilities/{facility.slug}?date={day.isoformat()}"
    tokens = [CSRF.search(s.get(s.base + page, timeout=30).text).group(1) for s in sessions]
    barrier = threading.Barrier(2)
    codes = [None, None]

    def book(i: int) -> None:
        barrier.wait()
        codes[i] = sessions[i].post(sessions[i].base + f"/ichinomiya/facilities/{facility.slug}/book",
                                    data={"csrf_token": tokens[i], "slot": [key]}, allow_redirects=False,
                                    timeout=60).status_code

    threads = [threading.Thread(target=book, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert codes.count(303) == 1 and all(code < 500 for code in codes), codes
    db.expire_all()
    taken = db.scalar(select(func.count()).select_from(ReservationSlot).join(Reservation)
                      .where(Reservation.facility_id == facility.id, Reservation.status.in_(("held", "confirmed"))))
    assert taken == 1


def catalogue_requests(port: int) -> float:
    body = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=30).text
    match = re.search(r'portal_http_requests_total\{method="GET",route="/<municipality>/",status="200"\} '
                      r'([\d.e+]+)', body)
    return float(match.group(1)) if match else 0.0


def test_metrics_add_up_every_process(two_portals):
    first, second = two_portals
    before = catalogue_requests(first)
    for port, times in ((first, 3), (second, 2)):
        for _ in range(times):
            assert requests.get(f"http://127.0.0.1:{port}/ichinomiya/", timeout=30).status_code == 200
    assert catalogue_requests(first) - before == 5 and catalogue_requests(second) - before == 5
