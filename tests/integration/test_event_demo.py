"""Demo events: loaded by `flask demo load`, published, dated from the day of loading (open, upcoming and closed
windows), at a demo facility where asked, and idempotent."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from portal.booking.demo import load_demo_facilities
from portal.booking.models import Facility
from portal.events.demo import load_demo_events
from portal.events.listing import window_state
from portal.events.models import Event, EventSession

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def test_loading_twice_adds_nothing(db):
    load_demo_facilities(db)
    assert load_demo_events(db, NOW) == 5
    db.commit()
    assert load_demo_events(db, NOW + timedelta(days=40)) == 0
    db.commit()
    assert db.scalar(select(func.count()).select_from(Event)) == 5
    assert db.scalar(select(func.count()).select_from(EventSession)) == 3 + 2 + 1 + 1 + 1


def test_the_demo_has_open_upcoming_and_closed_events_as_the_issue_lists_them(db):
    load_demo_facilities(db)
    load_demo_events(db, NOW)
    db.commit()
    events = {e.slug: e for e in db.scalars(select(Event))}
    assert {e.status for e in events.values()} == {"published"}
    kosodate, phone, drill = events["kosodate-koza"], events["smartphone-kyoshitsu"], events["bosai-kunren"]
    cooking, tanabata = events["ryori-kyoshitsu"], events["tanabata"]
    assert (kosodate.session_mode, len(kosodate.sessions), kosodate.allocation) == ("series", 3, "lottery")
    assert kosodate.procedure_key == "event-kosodate" and kosodate.target_tags == ["parents_children"]
    assert {t["price"] for t in kosodate.participant_types} == {500, 300}
    assert phone.allocation == "first_come" and phone.waitlist and phone.target_tags == ["elderly"]
    assert phone.eligibility == [{"kind": "age", "minimum": 65, "subject": "applicant"}]
    assert phone.procedure_key == "event-application"
    assert drill.max_party == 5 and drill.audience == "anyone"
    assert all(t["price"] == 0 for t in drill.participant_types)
    hall = db.scalar(select(Facility).where(Facility.slug == "shimin-kaikan"))
    assert cooking.facility_id == hall.id and {t["price"] for t in cooking.participant_types} == {1200, 600}
    assert all(t["price"] == 0 for t in tanabata.participant_types)
    states = {slug: window_state(e, NOW) for slug, e in events.items()}
    assert states == {"kosodate-koza": "open", "smartphone-kyoshitsu": "open", "bosai-kunren": "upcoming",
                      "ryori-kyoshitsu": "open", "tanabata": "closed"}
    for event in events.values():
        assert event.opens_at < event.closes_at <= event.sessions[0].starts_at
        assert all(s.starts_at > NOW for s in event.sessions)


def test_demo_events_show_on_the_list_and_in_open_data(app, db):
    load_demo_facilities(db)
    load_demo_events(db, NOW)
    db.commit()
    app.extensions["clock"] = lambda: NOW
    try:
        client = app.test_client()
        html = client.get("/ichinomiya/events").get_data(as_text=True)
        assert "親子で楽しむ子育て講座" in html and "はじめてのスマホ教室" in html and "地域の防災訓練" in html
        assert client.get("/anjo/events/ryori-kyoshitsu").status_code == 200
        assert "七夕飾りづくり" in client.get("/anjo/opendata/events.csv").get_data().decode("utf-8-sig")
    finally:
        app.extensions.pop("clock", None)


def test_flask_demo_load_loads_the_events(app, db):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "events added: 5" in result.output
    assert "events added: 0" in app.test_cli_runner().invoke(args=["demo", "load"]).output
