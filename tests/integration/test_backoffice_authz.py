"""Authorization of every back-office route, enumerated from the URL map (a new route can't be forgotten):
anonymous visitors and residents are sent to the staff sign-in, staff of another municipality get 403,
staff not assigned to the procedure get 404 for its submissions and drafts, staff get 403 for admin pages.
Never a 200."""
from __future__ import annotations

from datetime import date

import pytest

from portal import create_app
from portal.booking.models import BookingGroup, FacilityClosure
from portal.identity.models import Resident
from portal.procedures.catalogue import latest_version
from portal.procedures.models import Draft
from tests.conftest import sign_in_as
from tests.integration.backoffice import (
    PUBLIC_ENDPOINTS,
    backoffice_rules,
    build_url,
    make_submission,
    municipality,
    sign_in_staff,
)
from tests.integration.booking_factory import make_facility
from tests.integration.events_factory import make_event
from tests.integration.helpers import csrf_token

_app = create_app({"SECRET_KEY": "x", "DATABASE_URL": "sqlite://", "OIDC_CLIENT_SECRET": "x"})
RULES = [r for r in backoffice_rules(_app) if r.endpoint not in PUBLIC_ENDPOINTS]
CASES = [(r.endpoint, r.rule, m) for r in RULES for m in sorted(r.methods - {"HEAD", "OPTIONS"})]
OBJECT_ARGS = {"reference", "token", "key"}


def test_the_list_of_routes_is_complete():
    endpoints = {r.endpoint for r in RULES}
    assert {"backoffice.queue", "backoffice.detail", "backoffice.transition", "backoffice.assign",
            "backoffice.add_note", "backoffice.download", "backoffice.export", "backoffice.print_summary",
            "backoffice.counter", "backoffice.counter_start", "backoffice.counter_step", "backoffice.counter_check",
            "backoffice.counter_submit",
            "admin.procedures", "admin.publication", "admin.staff_list", "admin.staff_new", "admin.staff_edit",
            "admin.audit", "admin.audit_export", "staff.account_totp"} <= endpoints
    assert len(CASES) >= 30


@pytest.fixture
def world(app, db, make_staff):
    """One ichinomiya submission with a file, a counter draft, and the accounts that must not get at them."""
    owner = make_staff(procedures=("juminhyo",))
    submission = make_submission(db)
    row = latest_version(db, municipality(db, "ichinomiya"), "juminhyo")
    draft = Draft(token="counter-draft-token", municipality_id=submission.municipality_id, definition_id=row.id,
                  staff_user_id=owner.id, answers={}, completed_steps=[], current_step="requester")
    db.add(draft)
    db.commit()
    facility = make_facility(db)
    closure = FacilityClosure(facility_id=facility.id, first_day=date(2027, 3, 1), last_day=date(2027, 3, 2),
                              reason="点検")
    representative = Resident(sub="authz-group-rep", issuer="http://idp.test", claims={}, remembered={})
    db.add_all([closure, representative])
    db.flush()
    group = BookingGroup(municipality_id=facility.municipality_id, name="テスト団体",
                         representative_id=representative.id,
                         representative_sub=representative.sub)
    db.add(group)
    db.commit()
    event = make_event(db)
    values = {"event_id": event.id, "session_id": event.sessions[0].id,
              "reference": submission.reference, "token": draft.token, "key": "juminhyo", "step_id": "requester",
              "staff_id": owner.id, "facility_id": facility.id, "unit_id": facility.units[0].id,
              "closure_id": closure.id, "group_id": group.id, "slug": facility.slug, "reservation_id": 1,
              "month": "2027-03"}
    return values


def call(client, endpoint, rule, method, values):
    url = build_url(next(r for r in RULES if r.endpoint == endpoint and r.rule == rule),
                    {"municipality": "ichinomiya", **values})
    data = {"csrf_token": csrf_token(client)} if method == "POST" else None
    response = client.open(url, method=method, data=data)
    response.get_data()
    return response


@pytest.mark.parametrize("endpoint,rule,method", CASES)
def test_anonymous_visitors_are_sent_to_the_staff_sign_in(app, world, endpoint, rule, method):
    response = call(app.test_client(), endpoint, rule, method, world)
    assert response.status_code == 302
    assert response.headers["Location"].split("?")[0].endswith("/ichinomiya/backoffice/login")


@pytest.mark.parametrize("endpoint,rule,method", CASES)
def test_residents_are_not_staff(app, world, make_resident, endpoint, rule, method):
    client = app.test_client()
    sign_in_as(client, make_resident())
    response = call(client, endpoint, rule, method, world)
    assert response.status_code == 302
    assert response.headers["Location"].split("?")[0].endswith("/ichinomiya/backoffice/login")


@pytest.mark.parametrize("endpoint,rule,method", CASES)
def test_an_admin_of_another_municipality_gets_403(app, world, make_staff, endpoint, rule, method):
    client = app.test_client()
    sign_in_staff(client, make_staff(slug="anjo", role="admin"))
    response = call(client, endpoint, rule, method, world)
    assert response.status_code == 403
    assert world["reference"] not in response.get_data(as_text=True)


@pytest.mark.parametrize("endpoint,rule,method", [c for c in CASES if c[0].startswith("admin.")])
def test_staff_are_not_admins(app, world, make_staff, endpoint, rule, method):
    client = app.test_client()
    sign_in_staff(client, make_staff(procedures=("juminhyo",)))
    assert call(client, endpoint, rule, method, world).status_code == 403


@pytest.mark.parametrize("endpoint,rule,method",
                         [c for c in CASES if c[0].startswith("backoffice.") and OBJECT_ARGS & set(
                             next(r for r in RULES if r.endpoint == c[0] and r.rule == c[1]).arguments)])
def test_staff_not_assigned_to_the_procedure_get_404(app, world, make_staff, endpoint, rule, method):
    client = app.test_client()
    sign_in_staff(client, make_staff(procedures=("consultation",)))
    response = call(client, endpoint, rule, method, world)
    assert response.status_code == 404
    assert world["reference"] not in response.get_data(as_text=True)


def test_a_staff_session_never_opens_another_municipality(app, db, make_staff):
    """The reverse direction, by content: 安城市's queue shows nothing of 一宮市 to 一宮市 staff and vice versa."""
    ichinomiya = make_submission(db)
    anjo = make_submission(db, slug="anjo")
    client = app.test_client()
    sign_in_staff(client, make_staff(slug="anjo", role="admin"))
    page = client.get("/anjo/backoffice/?status=all").get_data(as_text=True)
    assert anjo.reference in page and ichinomiya.reference not in page
    assert client.get(f"/anjo/backoffice/submissions/{ichinomiya.reference}").status_code == 404
    assert client.get(f"/anjo/backoffice/?q={ichinomiya.reference}").status_code == 200
    csv = client.get("/anjo/backoffice/export.csv?status=all").get_data(as_text=True)
    assert anjo.reference in csv and ichinomiya.reference not in csv
