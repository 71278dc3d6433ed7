"""Booking tests' world: the payments world (portal on a real port, Stripe emulator) plus a facility, a clock
the test moves, and the resident's steps through the test client."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from portal.booking.domain.calendar import jst
from portal.booking.models import Reservation
from portal.procedures.models import Submission
from tests.conftest import sign_in_as
from tests.integration.booking_factory import make_facility
from tests.integration.helpers import answer, csrf_token, location_path, post

BOOKING_ANSWERS = [
    ("use", {"purpose": "sports", "purpose_detail": "ソフトテニスの練習", "users": "4"}),
    ("contact", {"phone": "090-1234-5678", "email": "hanako@example.jp"}),
    ("rules", {"agree": "yes"}),
]


class Clock:
    """The business clock (``portal.clock.now``) of the app under test."""

    def __init__(self, app, start: datetime):
        self.app, self.current = app, start
        app.extensions["clock"] = lambda: self.current

    def set(self, moment: datetime) -> None:
        self.current = moment

    def advance(self, **delta) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@pytest.fixture
def clock(pay):
    c = Clock(pay.app, jst(date(2026, 12, 1), time(10, 0)))
    yield c
    pay.app.extensions.pop("clock", None)


def book_slots(client, slug: str, keys: list[str], municipality: str = "ichinomiya"):
    page = f"/{municipality}/facilities/{slug}?date={keys[0].split('/')[1][:10]}"
    return client.post(f"/{municipality}/facilities/{slug}/book", data={"csrf_token": csrf_token(client, page),
                                                                        "slot": keys})


def answer_booking(client, step_path: str, municipality: str = "ichinomiya", email: str = "hanako@example.jp") -> str:
    """Answer the booking procedure from its first step and submit; returns the submission reference."""
    token = step_path.split("/drafts/")[1].split("/")[0]
    for step_id, data in BOOKING_ANSWERS:
        if step_id == "contact":
            data = {**data, "email": email}
        response = answer(client, municipality, token, step_id, data)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    response = post(client, f"/{municipality}/drafts/{token}/submit", page=f"/{municipality}/drafts/{token}/check")
    assert "/submissions/" in location_path(response), location_path(response)
    return location_path(response).split("/submissions/")[1].split("/")[0]


def book_and_submit(pay, client, facility_slug: str, keys: list[str], email: str = "hanako@example.jp") -> Submission:
    response = book_slots(client, facility_slug, keys)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return pay.submission(answer_booking(client, location_path(response), email=email))


def reservation_of(pay, submission: Submission) -> Reservation:
    pay.fresh()
    return pay.db.scalar(select(Reservation).where(Reservation.submission_id == submission.id))


def facility(pay, **overrides):
    return make_facility(pay.db, **overrides)


REFERENCE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}")


def second_resident(pay, home: str = "ichinomiya"):
    client = pay.app.test_client()
    resident = pay.resident(client, home)
    sign_in_as(client, resident)
    return client, resident
