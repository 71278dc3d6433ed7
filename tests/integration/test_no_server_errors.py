"""No hand-edited URL or form answer gets a 500: every GET route of the app, walked with hostile path values and
hostile values for every query parameter its view reads, as a stranger, a signed-in resident and a signed-in admin.

Data-driven: the routes come from ``app.url_map`` and the query parameters from what each view actually reads
(``request.args`` records the names asked for), so a new route or parameter is covered without editing this file.
"""
from __future__ import annotations

import re
import traceback
from datetime import date

import pytest
from flask import Request
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict

from portal.booking.demo import load_demo_facilities
from portal.booking.models import Facility
from portal.procedures.catalogue import definition_of, latest_versions
from portal.procedures.models import Draft
from tests.conftest import sign_in_as
from tests.integration.backoffice import make_submission, municipality, sign_in_staff
from tests.integration.helpers import csrf_token, location_path, post, start

HUGE = "99999999999999999999"
#: what a hand-edited path segment may say (each replaces one variable while the others stay real)
HOSTILE_PATH = ["0", "-1", HUGE, "2147483648", "9223372036854775807", "9223372036854775808", "..",
                "..%2F..%2Fetc%2Fpasswd", "x" * 600, "日本語",
                "%00", "a%0D%0Ab", "9999-12", "0000-00", "1-1", "2026-13"]
#: a shorter list for the POST routes (the same converters and lookups as the GET routes behind them)
HOSTILE_POST_PATH = ["0", HUGE, "2147483648", "..", "x" * 600, "日本語", "%00", "2026-13"]
#: what a hand-edited query value may say
HOSTILE_QUERY = ["0001-01-01", "9999-12-31", "0000-00-00", "9999-12", "1-1", "2026-13", "2026-02-30",
                 "garbage", HUGE, "2147483648", "-1", "", "\x00", "日本語", "x" * 600]
#: parameters that choose a branch of the view: every hostile query is also tried under each other branch than
#: the default one
SWITCHES = {"view": ("week", "month"), "format": ("json",)}


class RecordingArgs(ImmutableMultiDict):
    """``request.args`` that remembers which names the view asked for."""

    read: set[str] = set()

    def get(self, key, default=None, type=None):
        RecordingArgs.read.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        RecordingArgs.read.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        RecordingArgs.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        RecordingArgs.read.add(key)
        return super().__contains__(key)


def recording_request(base: type[Request]) -> type[Request]:
    class RecordingRequest(base):
        @property
        def args(self):
            found = self.__dict__.get("_recording_args")
            if found is None:
                found = self.__dict__["_recording_args"] = RecordingArgs(base.args.__get__(self))
            return found

    return RecordingRequest


@pytest.fixture
def recording(app):
    original = app.request_class
    app.request_class = recording_request(original)
    yield
    app.request_class = original


@pytest.fixture
def world(app, db, make_resident, make_staff):  # noqa: F811
    """Real values for every path variable, so a hostile value in one variable reaches the view behind the others."""
    load_demo_facilities(db)
    city = municipality(db, "ichinomiya")
    resident = make_resident()
    admin = make_staff(role="admin", procedures=[row.key for row in latest_versions(db, city, True)])
    submission = make_submission(db, resident=resident)
    lottery_facility = db.scalar(select(Facility).where(Facility.municipality_id == city.id,
                                                        Facility.lottery.is_not(None)).order_by(Facility.id))
    resident_client = app.test_client()
    sign_in_as(resident_client, resident)
    step_path = start(resident_client, "ichinomiya", "juminhyo")
    token = step_path.split("/drafts/")[1].split("/")[0]
    staff_client = app.test_client()
    sign_in_staff(staff_client, admin)
    today = date.today()
    month = today.year * 12 + today.month + 1  # the month after next (0-based count): its lottery takes applications
    real = {
        "municipality": "ichinomiya", "slug": lottery_facility.slug, "key": "juminhyo",
        "reference": submission.reference,
        "token": token, "step_id": step_path.rsplit("/", 1)[1], "month": f"{month // 12}-{month % 12 + 1:02d}",
        "facility_id": str(lottery_facility.id), "staff_id": str(admin.id), "code": "4910859",
        "filename": "css/portal.css", "digest": "0" * 64,
    }
    clients = {"anonymous": app.test_client(), "resident": resident_client, "staff": staff_client}
    return {"real": real, "clients": clients, "db": db, "city": city}


VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def get_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if "GET" in r.methods), key=lambda r: r.rule)


def build(rule, values: dict) -> str:
    return VARIABLE.sub(lambda m: values.get(m.group(1), "1"), rule.rule)


def fetch(client, url: str, query: dict | None, failures: list) -> None:
    try:
        response = client.get(url, query_string=query)
    except Exception:  # noqa: BLE001 — a view that raises is exactly what this test looks for
        failures.append(f"{url} {query}: raised\n{traceback.format_exc(limit=-3)}")
        return
    if response.status_code >= 500 and not is_readiness_answer(url, response):
        failures.append(f"{url} {query}: {response.status_code}")


def is_readiness_answer(url: str, response) -> bool:
    """/readyz says 503 when a dependency is down — here the identity provider, which no test serves: that is
    its answer to the load balancer, not an error."""
    return url == "/readyz" and response.status_code == 503 and response.get_json()["status"] == "not ready"


def report(failures: list) -> str:
    return f"{len(failures)} server errors:\n" + "\n".join(failures[:60])


def test_no_get_route_answers_5xx_to_hostile_path_values(app, world, recording):
    failures: list[str] = []
    for rule in get_rules(app):
        names = VARIABLE.findall(rule.rule)
        for _role, client in world["clients"].items():
            for name in names:
                for value in HOSTILE_PATH:
                    fetch(client, build(rule, {**world["real"], name: value}), None, failures)
    assert not failures, report(failures)


def test_no_get_route_answers_5xx_to_hostile_query_values(app, world, recording):
    failures: list[str] = []
    for rule in get_rules(app):
        url = build(rule, world["real"])
        for _role, client in world["clients"].items():
            RecordingArgs.read = set()
            fetch(client, url, None, failures)
            asked = set(RecordingArgs.read)
            tried: set[str] = set()
            while asked - tried:  # a branch may read more names: follow them until nothing new is read
                for name in sorted(asked - tried):
                    tried.add(name)
                    branches = [{}] + [{switch: choice} for switch in asked & SWITCHES.keys() - {name}
                                       for choice in SWITCHES[switch]]
                    for branch in branches:
                        for value in HOSTILE_QUERY:
                            RecordingArgs.read = set()
                            fetch(client, url, {**branch, name: value}, failures)
                            asked |= RecordingArgs.read
    assert not failures, report(failures)


def test_no_post_route_answers_5xx_to_hostile_path_values(app, world):
    """Every POST route, with a valid CSRF token and an empty form, and a hostile value in one path variable."""
    failures: list[str] = []
    tokens = {role: csrf_token(client, "/ichinomiya/backoffice/" if role == "staff" else "/login")
              for role, client in world["clients"].items()}
    rules = sorted((r for r in app.url_map.iter_rules() if "POST" in r.methods),
                   key=lambda r: r.rule)
    for rule in rules:
        for role, client in world["clients"].items():
            for name in VARIABLE.findall(rule.rule):
                for value in HOSTILE_POST_PATH:
                    url = build(rule, {**world["real"], name: value})
                    try:
                        response = client.post(url, data={"csrf_token": tokens[role]})
                    except Exception:  # noqa: BLE001
                        failures.append(f"POST {url}: raised\n{traceback.format_exc(limit=-3)}")
                        continue
                    if response.status_code >= 500:
                        failures.append(f"POST {url}: {response.status_code}")
    assert not failures, report(failures)


YEAR_EDGES = [("0000", "01", "01"), ("0001", "01", "01"), ("9999", "12", "31"), ("0000", "00", "00"), (HUGE, "1", "1")]


def open_every_step(db, token: str, definition) -> None:
    """As if every step had been answered, with the answers that show the conditional ones, so a step with a date
    field can be posted straight away (the steps' own order is tested in test_journey)."""
    draft = db.scalar(select(Draft).where(Draft.token == token))
    answers = {}
    for step in definition.steps:
        when = step.spec.get("when") or {}
        if "field" in when:
            answers[when["field"]] = when["equals"] if "equals" in when else when["in"][0]
    draft.answers = {**draft.answers, **answers}
    draft.completed_steps = [step.id for step in definition.steps]
    db.commit()


def test_no_form_step_answers_5xx_to_a_date_at_the_edge_of_the_calendar(app, world):
    """Every date field of every step of every procedure, online and at the counter, answered with year 0000 and
    other edges of the calendar (the page redraws the 和暦 next to what was typed)."""
    failures: list[str] = []
    db, city = world["db"], world["city"]
    resident_client, staff_client = world["clients"]["resident"], world["clients"]["staff"]
    for row in latest_versions(db, city, include_unpublished=True):
        if row.kind in ("booking", "event"):  # started from their own pages (the kind's start_url), not here
            continue
        definition = definition_of(row)
        drafts = [(resident_client, start(resident_client, "ichinomiya", row.key).rsplit("/", 1)[0], "/")]
        counter = post(staff_client, f"/ichinomiya/backoffice/counter/{row.key}/start", page="/ichinomiya/backoffice/")
        if counter.status_code in (302, 303):
            drafts.append((staff_client, location_path(counter).rsplit("/", 1)[0], "/ichinomiya/backoffice/"))
        for client, base, page in drafts:
            open_every_step(db, base.split("/drafts/")[1].split("/")[0], definition)
            for step in definition.steps:
                dates = [f for f in step.fields if f.type_name == "date"]
                for year, month, day in YEAR_EDGES if dates else ():
                    data = {name: value for field in dates
                            for name, value in zip(field.input_names(), (year, month, day))}
                    url = f"{base}/{step.id}"
                    try:
                        response = post(client, url, data, page=page)
                    except Exception:  # noqa: BLE001
                        failures.append(f"{url} {data}: raised\n{traceback.format_exc(limit=-3)}")
                        continue
                    if response.status_code >= 500:
                        failures.append(f"{url} {data}: {response.status_code}")
                    assert response.status_code in (200, 302, 422), (url, data, response.status_code)
    assert not failures, report(failures)


NOT_QUITE_NUMBERS = ["²", "١٢", HUGE, "2147483648", "-1", "1e3", "\x00"]


def test_numbers_typed_into_back_office_forms_never_cause_a_5xx(app, world):
    """Fields read as numbers (an assignee, a konbini deadline) get a 4xx or a redisplay for what only looks like
    one."""
    failures: list[str] = []
    staff_client, real = world["clients"]["staff"], world["real"]
    detail = f"/ichinomiya/backoffice/submissions/{real['reference']}"
    forms = [(f"{detail}/assign", detail, "assignee"),
             ("/ichinomiya/backoffice/payments/settings", "/ichinomiya/backoffice/payments/settings", "konbini_days")]
    for url, page, name in forms:
        for value in NOT_QUITE_NUMBERS:
            try:
                response = post(staff_client, url, {name: value}, page=page)
            except Exception:  # noqa: BLE001
                failures.append(f"POST {url} {name}={value!r}: raised\n{traceback.format_exc(limit=-3)}")
                continue
            if response.status_code >= 500:
                failures.append(f"POST {url} {name}={value!r}: {response.status_code}")
    assert not failures, report(failures)
