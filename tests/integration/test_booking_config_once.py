"""A facility's stored configuration is parsed once per request: however many days, bands and slots a page shows
(a month of hourly rooms is a thousand slots), each part — rules, fees, cancellation terms, lottery — is read
from its JSON once; and a part that changes within the request is read again."""
from __future__ import annotations

import sys
from collections import Counter
from contextlib import contextmanager
from datetime import date, time

import pytest

from portal.booking.domain import config
from portal.booking.domain.calendar import jst
from portal.booking.services.settings import settings_of
from tests.conftest import sign_in_as
from tests.integration.booking_factory import make_facility
from tests.integration.helpers import csrf_token

PARSERS = (config.booking_rules, config.fee_schedule, config.cancellation_policy, config.lottery_config)
LOTTERY = {"schedule": {}, "scope": {"day_types": ["holiday"]},
           "policy": {"max_preferences": 3, "max_applications_per_person": 2, "win_cap_per_person": 1}}


@contextmanager
def parses():
    """How often each parser ran, seen as frames starting (``sys.setprofile``): nothing is replaced."""
    codes = {f.__code__: f.__name__ for f in PARSERS}
    counts: Counter = Counter()

    def profile(frame, event, _arg):
        if event == "call" and frame.f_code in codes:
            counts[codes[frame.f_code]] += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield counts
    finally:
        sys.setprofile(previous)


@pytest.fixture
def clock(app):
    app.extensions["clock"] = lambda: jst(date(2026, 12, 2), time(10, 0))  # the February lottery takes applications
    yield
    app.extensions.pop("clock", None)


@pytest.mark.parametrize("view, day", [("month", "2027-02-01"), ("week", "2027-02-01"), ("day", "2026-12-08")])
def test_a_facility_page_parses_each_part_of_the_configuration_once(db, client, clock, view, day):
    make_facility(db, lottery=LOTTERY)
    with parses() as counts:
        page = client.get(f"/ichinomiya/facilities/test-tennis?view={view}&date={day}")
    assert page.status_code == 200
    assert counts["booking_rules"] == counts["lottery_config"] == 1
    assert max(counts.values()) == 1, counts


def test_booking_many_slots_parses_each_part_once(db, app, clock, make_resident):
    make_facility(db, lottery=LOTTERY)
    client = app.test_client()
    sign_in_as(client, make_resident())
    keys = [f"court-{unit}/2026-12-08 {hour}" for unit in "ab" for hour in ("09:00", "11:00", "13:00")]
    token = csrf_token(client, "/ichinomiya/facilities/test-tennis?date=2026-12-08")
    with parses() as counts:
        booked = client.post("/ichinomiya/facilities/test-tennis/book", data={"csrf_token": token, "slot": keys})
    assert booked.status_code == 303
    # each slot is checked against the lottery and priced (the hold's commit reloads the row: read once more)
    assert counts["lottery_config"] == 1 and counts["fee_schedule"] <= 1, counts


def test_a_part_changed_within_the_request_is_parsed_again(db, app):
    facility = make_facility(db)
    with app.test_request_context():
        first = settings_of(facility).rules
        assert settings_of(facility).rules is first
        facility.rules = {**facility.rules, "hold_minutes": 45}
        assert settings_of(facility).rules.hold_minutes == 45
        assert settings_of(facility).cancellation is settings_of(facility).cancellation


def test_without_an_app_context_nothing_is_kept(db):
    facility = make_facility(db)
    with parses() as counts:
        assert settings_of(facility).rules is not None
        assert settings_of(facility).rules is not None
    assert counts["booking_rules"] == 2
