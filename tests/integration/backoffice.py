"""Fixtures and helpers for the back-office tests (imported by each test_backoffice_* module)."""
from __future__ import annotations

import time
from functools import lru_cache

import pyotp
import pytest
from sqlalchemy import select

from portal.procedures.catalogue import latest_version
from portal.procedures.models import Submission
from portal.procedures.reference import new_reference
from portal.staff import auth
from portal.staff.models import StaffProcedure, StaffUser
from portal.tenancy.models import Municipality
from tests.conftest import sign_in_as
from tests.integration.helpers import JUMINHYO_SELF, answer, draft_token, location_path, post, start

PASSWORD = "correct horse battery staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@lru_cache(maxsize=1)
def password_hash() -> str:
    return auth.hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per test run


def municipality(db, slug: str) -> Municipality:
    return db.scalar(select(Municipality).where(Municipality.slug == slug))


@pytest.fixture
def make_staff(db):
    counter = iter(range(1, 10_000))

    def make(slug="ichinomiya", role="staff", procedures=("juminhyo",), totp=None, username=None, **extra) -> StaffUser:
        m = municipality(db, slug)
        staff = StaffUser(
            municipality_id=m.id,
            username=username or f"{role}-{next(counter)}",
            display_name=extra.pop("display_name", f"{m.name} {role} {username or ''}".strip()),
            role=role,
            password_hash=password_hash(),
            totp_secret=TOTP_SECRET if (totp or (totp is None and role == "admin")) else None,
            active=True,
            failed_attempts=0,
            session_version=1,
            **extra,
        )
        staff.procedures = [StaffProcedure(definition_key=k) for k in procedures]
        db.add(staff)
        db.commit()
        return staff

    return make


def totp_code(staff: StaffUser) -> str:
    """A valid code the account has not used yet (codes are single-use per 30-second step)."""
    totp = pyotp.TOTP(staff.totp_secret)
    current = int(time.time()) // 30
    step = current - 1 if staff.totp_last_step is None else max(current - 1, staff.totp_last_step + 1)
    assert step <= current + 1, "too many sign-ins in one minute for this account"
    return totp.generate_otp(step)


def sign_in_staff(client, staff: StaffUser) -> None:
    """Test set-up shortcut (the real sign-in is exercised in test_backoffice_login)."""
    now = int(time.time())
    with client.session_transaction() as s:
        s.clear()
        s.update({"staff_id": staff.id, "staff_v": staff.session_version, "staff_seen": now, "staff_since": now})


def login(client, staff: StaffUser, password: str = PASSWORD, slug: str | None = None):
    slug = slug or staff.municipality.slug
    return post(client, f"/{slug}/backoffice/login", {"username": staff.username, "password": password},
                page=f"/{slug}/backoffice/login")


ANSWERS = {
    "requester": "self",
    "name": "一宮 花子",
    "name_kana": "イチノミヤ\u3000ハナコ",
    "birthdate": "1990-04-12",
    "address": {"postal_code": "491-0859", "prefecture": "愛知県", "city": "一宮市", "town": "本町2丁目5番6号",
                "line": "", "building": ""},
    "phone": "090-1234-5678",
    "email": "hanako@example.jp",
    "copies": 3,
    "scope": "household",
    "include": ["head"],
    "purpose": "work",
    "delivery": "registered",
    "declaration": True,
}


def make_submission(db, slug="ichinomiya", key="juminhyo", status="received", resident=None, **fields) -> Submission:
    """A submission inserted directly (the resident journey itself is tested in test_journey)."""
    m = municipality(db, slug)
    row = latest_version(db, m, key, include_unpublished=True)
    answers = dict(ANSWERS) if key == "juminhyo" else fields.pop("answers", {})
    answers.update(fields.pop("answer_overrides", {}))
    submission = Submission(
        reference=new_reference(),
        municipality_id=m.id,
        definition_id=row.id,
        resident_id=resident.id if resident else None,
        status=status,
        answers=answers,
        identity_fields=["name", "birthdate", "address"] if resident else [],
        applicant_name=fields.pop("applicant_name", answers.get("name", "")),
        contact_email=fields.pop("contact_email", answers.get("email")),
        fee_amount=fields.pop("fee_amount", 900 if key == "juminhyo" else 0),
        **fields,
    )
    db.add(submission)
    db.commit()
    return submission


def resident_submits_juminhyo(client, resident) -> str:
    """The real resident journey through the test client; returns the reference."""
    sign_in_as(client, resident)
    token = draft_token(start(client, "ichinomiya", "juminhyo"))
    for step_id, data in JUMINHYO_SELF:
        response = answer(client, "ichinomiya", token, step_id, data)
        assert response.status_code == 302, (step_id, response.get_data(as_text=True)[:1000])
    response = post(client, f"/ichinomiya/drafts/{token}/submit", page=f"/ichinomiya/drafts/{token}/check")
    assert response.status_code == 302
    return location_path(response).split("/submissions/")[1].split("/")[0]


def page_lock_version(page: str) -> str:
    import re

    match = re.search(r'name="lock_version" value="(\d+)"', page)
    assert match, "no lock_version on the page"
    return match.group(1)


BACKOFFICE_BLUEPRINTS = ("staff", "backoffice", "admin", "booking_admin", "booking_groups", "booking_staff",
                         "events_staff", "events_admin")
#: staff sign-in pages: open to anyone by design (they are what anonymous visitors are sent to)
PUBLIC_ENDPOINTS = {"staff.login", "staff.login_post", "staff.totp_code", "staff.totp_enrol", "staff.logout"}


def backoffice_rules(app):
    """Every URL rule of the back-office blueprints: a new route is covered without editing the tests."""
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in BACKOFFICE_BLUEPRINTS),
        key=lambda r: (r.rule, r.endpoint),
    )


def build_url(rule, values: dict) -> str:
    missing = set(rule.arguments) - set(values)
    assert not missing, f"no test value for {missing} in {rule.rule}: add one to the route test"
    url = rule.rule
    for name in rule.arguments:
        url = url.replace(f"<{name}>", str(values[name])).replace(f"<int:{name}>", str(values[name]))
    assert "<" not in url, url
    return url
