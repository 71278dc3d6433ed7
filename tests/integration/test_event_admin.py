"""Event administration (admins): create → edit → sessions → publish through the forms, refused forms keep what
was typed, completeness checked at publishing, capacity raises offering seats to the waiting list, duplicating,
who may do it, and the audit log."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.events import registration as reg
from portal.events.models import Event, EventRegistration, EventSession
from portal.procedures.publishing import publish
from tests.integration.backoffice import municipality, sign_in_staff
from tests.integration.booking_factory import make_facility
from tests.integration.events_factory import NOW, START, make_event
from tests.integration.helpers import csrf_token, location_path, post

BASE = "/ichinomiya/backoffice/admin/events"


def event_definition(db, slug="ichinomiya", key="event-test"):
    """A questions definition of kind ``event`` with a child's birth date (what a grade rule names)."""
    content = {"id": key, "version": 1, "kind": "event", "category": "event", "title": "イベントの申込（テスト）",
               "audience": "signed_in", "fee": {"rule": "kind"},
               "steps": [{"id": "child", "title": "お子さん", "fields": [
                   {"id": "child_birthdate", "type": "date", "label": "お子さんの生年月日"},
                   {"id": "allergies", "type": "text", "label": "アレルギー"}]}]}
    row = publish(db, content, source="builder", municipality=municipality(db, slug)).definition
    db.commit()
    return row


@pytest.fixture
def admin_client(client, make_staff):
    sign_in_staff(client, make_staff(role="admin"))
    return client


@pytest.fixture
def clock(app):
    app.extensions["clock"] = lambda: NOW
    yield
    app.extensions.pop("clock", None)


def new_event(**overrides) -> dict:
    """A complete new-event form as a browser posts it."""
    form = {
        "title": "親子で楽しむ科学教室", "title_kana": "オヤコデタノシムカガクキョウシツ",
        "title_en": "Science for families",
        "slug": "kagaku", "category": "childcare", "description": "実験を通して…", "department": "子育て支援課",
        "contact": "0586-28-9131", "venue_kind": "free", "venue_name": "中央公民館 講堂",
        "venue_address": "一宮市本町2丁目", "latitude": "35.30", "longitude": "136.80", "audience": "residents",
        "target_tags": ["parents_children"], "session_mode": "choice", "max_party": "3",
        "type_label_0": "大人", "type_label_en_0": "Adult", "type_price_0": "1,200", "type_key_0": "",
        "type_label_1": "子ども", "type_label_en_1": "Child", "type_price_1": "600", "type_key_1": "",
        "type_label_2": "", "type_label_en_2": "", "type_price_2": "", "type_key_2": "",
        "age_subject_0": "applicant", "age_min_0": "18", "age_max_0": "",
        "grade_subject_0": "child_birthdate", "grade_first_0": "1", "grade_last_0": "3",
        "opens_at": "2026-12-01T09:00", "closes_at": "2026-12-15T17:00", "allocation": "first_come", "waitlist": "1",
        "offer_hold_hours": "24", "offer_closes_before_hours": "12", "cancel_until_hours": "24",
        "pay_within_hours": "72", "procedure_key": "event-test",
    }
    form.update(overrides)
    return form


def audit_rows(db, action: str) -> list[AuditEvent]:
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def jst(text: str) -> datetime:
    return datetime.fromisoformat(text + "+09:00").astimezone(UTC)


def test_admin_creates_an_event_adds_sessions_and_publishes_it(db, admin_client, clock):
    event_definition(db)
    page = admin_client.get(f"{BASE}/new").get_data(as_text=True)
    assert "イベントを登録する" in page and "イベントの申込（テスト）" in page and "お子さんの生年月日" in page
    response = post(admin_client, f"{BASE}/new", new_event(), page=f"{BASE}/new")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    event = db.scalar(select(Event).where(Event.slug == "kagaku"))
    assert location_path(response) == f"{BASE}/{event.id}/sessions"
    assert event.municipality_id == municipality(db, "ichinomiya").id and event.status == "draft"
    assert (event.opens_at, event.closes_at) == (jst("2026-12-01T09:00"), jst("2026-12-15T17:00"))
    assert event.participant_types == [{"key": "adult", "label": "大人", "label_en": "Adult", "price": 1200},
                                       {"key": "child", "label": "子ども", "label_en": "Child", "price": 600}]
    assert event.eligibility == [{"kind": "age", "minimum": 18, "subject": "applicant"},
                                 {"kind": "grade", "first": 1, "last": 3, "subject": "child_birthdate"}]
    assert (event.target_tags, event.audience, event.max_party, event.latitude) == (
        ["parents_children"], "residents", 3, 35.30)
    [created] = audit_rows(db, "admin.event_create")
    assert created.object_id == str(event.id) and created.detail["after"]["opens_at"] == "2026-12-01T00:00:00+00:00"

    # two dates to choose from, in Tokyo time
    sessions = f"{BASE}/{event.id}/sessions"
    for day in ("2026-12-20", "2026-12-27"):
        response = post(admin_client, sessions, {"day": day, "start": "10:00", "end": "12:00", "capacity": "20"},
                        page=sessions)
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.expire_all()
    assert [(s.starts_at, s.ends_at, s.capacity) for s in db.get(Event, event.id).sessions] == [
        (jst("2026-12-20T10:00"), jst("2026-12-20T12:00"), 20), (jst("2026-12-27T10:00"), jst("2026-12-27T12:00"), 20)]
    assert len(audit_rows(db, "admin.event_session_add")) == 2

    confirm = admin_client.get(f"{BASE}/{event.id}/publish").get_data(as_text=True)
    assert "公開すると" in confirm and "足りません" not in confirm
    response = post(admin_client, f"{BASE}/{event.id}/publish", page=f"{BASE}/{event.id}/publish")
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Event, event.id).status == "published"
    [published] = audit_rows(db, "admin.event_publish")
    assert published.detail["changes"] == {"status": {"before": "draft", "after": "published"}}

    # an edit is audited with before and after
    edit = f"{BASE}/{event.id}"
    page = admin_client.get(edit).get_data(as_text=True)
    assert 'value="親子で楽しむ科学教室"' in page and 'value="2026-12-15T17:00"' in page and 'value="1,200"' not in page
    response = post(admin_client, edit, new_event(title="親子科学教室", type_key_0="adult", type_key_1="child",
                                                  type_price_0="1500", closes_at="2026-12-14T17:00"), page=edit)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    [update] = audit_rows(db, "admin.event_update")
    assert update.detail["changes"]["title"] == {"before": "親子で楽しむ科学教室", "after": "親子科学教室"}
    assert update.detail["changes"]["closes_at"] == {"before": "2026-12-15T08:00:00+00:00",
                                                     "after": "2026-12-14T08:00:00+00:00"}
    assert update.detail["changes"]["participant_types"]["after"][0]["price"] == 1500
    assert "設定を保存しました" in admin_client.get(edit).get_data(as_text=True)
    # posting the same again changes nothing
    post(admin_client, edit, new_event(title="親子科学教室", type_key_0="adult", type_key_1="child",
                                      type_price_0="1500", closes_at="2026-12-14T17:00"), page=edit)
    assert len(audit_rows(db, "admin.event_update")) == 1


def test_a_refused_form_keeps_every_answer_and_shows_each_error_by_its_field(db, admin_client):
    event_definition(db)
    form = new_event(slug="Bad Slug", closes_at="2026-11-30T09:00", type_price_1="abc", age_min_0="70",
                     age_max_0="65", grade_subject_0="nope", latitude="35.3", longitude="", title="")
    response = post(admin_client, f"{BASE}/new", form, page=f"{BASE}/new")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for error_id in ("f-title-error", "f-slug-error", "f-closes_at-error", "f-type_price_1-error",
                     "f-age_min_0-error", "f-grade_subject_0-error", "f-latitude-error"):
        assert f'id="{error_id}"' in page, error_id
    assert "締切は受付開始より後にしてください" in page
    assert 'value="Bad Slug"' in page and 'value="abc"' in page and 'value="2026-11-30T09:00"' in page
    assert 'value="中央公民館 講堂"' in page and 'value="70"' in page
    assert 'value="parents_children" checked' in page
    assert db.scalar(select(Event.id)) is None
    assert audit_rows(db, "admin.event_create") == []


def test_a_facility_of_the_municipality_is_the_venue(db, admin_client):
    event_definition(db)
    facility = make_facility(db)
    other = make_facility(db, municipality="anjo", slug="anjo-tennis", name="安城テニスコート")
    page = admin_client.get(f"{BASE}/new").get_data(as_text=True)
    assert facility.name in page and "安城テニスコート" not in page
    refused = post(admin_client, f"{BASE}/new", new_event(venue_kind="facility", facility_id=str(other.id)),
                   page=f"{BASE}/new")
    assert refused.status_code == 422 and "会場の施設を選んでください" in refused.get_data(as_text=True)
    response = post(admin_client, f"{BASE}/new", new_event(venue_kind="facility", facility_id=str(facility.id)),
                    page=f"{BASE}/new")
    assert response.status_code == 302
    event = db.scalar(select(Event))
    assert (event.facility_id, event.venue_name, event.latitude) == (facility.id, "", None)


def test_publishing_says_what_is_missing(db, admin_client):
    response = post(admin_client, f"{BASE}/new", new_event(procedure_key="", grade_first_0="", grade_last_0=""),
                    page=f"{BASE}/new")
    assert response.status_code == 302
    event = db.scalar(select(Event))
    page = admin_client.get(f"{BASE}/{event.id}/publish").get_data(as_text=True)
    assert "回（開催日時と定員）を1つ以上登録してください" in page
    assert "申込の質問（イベント用の手続き）を選んでください" in page
    refused = post(admin_client, f"{BASE}/{event.id}/publish", page=f"{BASE}/{event.id}/publish")
    assert refused.status_code == 422
    db.expire_all()
    assert db.get(Event, event.id).status == "draft" and audit_rows(db, "admin.event_publish") == []


def test_sessions_start_after_the_close_and_a_single_event_has_one(db, admin_client):
    event_definition(db)
    post(admin_client, f"{BASE}/new", new_event(session_mode="single"), page=f"{BASE}/new")
    event = db.scalar(select(Event))
    sessions = f"{BASE}/{event.id}/sessions"
    early = post(admin_client, sessions, {"day": "2026-12-10", "start": "10:00", "end": "09:00", "capacity": "0"},
                 page=sessions)
    assert early.status_code == 422
    page = early.get_data(as_text=True)
    assert "終了時刻は開始時刻より後にしてください" in page and "定員は1〜10,000の整数で入力してください" in page
    assert 'value="2026-12-10"' in page
    before_close = post(admin_client, sessions, {"day": "2026-12-10", "start": "10:00", "end": "12:00",
                                                 "capacity": "5"}, page=sessions)
    assert "申込の締切（2026-12-15 17:00）より後にしてください" in before_close.get_data(as_text=True)
    assert post(admin_client, sessions, {"day": "2026-12-20", "start": "10:00", "end": "12:00", "capacity": "5"},
                page=sessions).status_code == 302
    second = post(admin_client, sessions, {"day": "2026-12-27", "start": "10:00", "end": "12:00", "capacity": "5"},
                  page=sessions)
    assert second.status_code == 422 and "回を1つだけ登録できます" in second.get_data(as_text=True)
    # the window cannot then be moved past the first session
    edit = f"{BASE}/{event.id}"
    late = post(admin_client, edit, new_event(session_mode="single", closes_at="2026-12-21T09:00"), page=edit)
    assert late.status_code == 422 and "最初の回の開始（2026-12-20 10:00）より前" in late.get_data(as_text=True)


def make_waiting_list(db, make_resident, capacity=2, waiting=3):
    event = make_event(db, (capacity,))
    for _ in range(capacity):
        reg.apply(db, event, make_resident(), {"adult": 1}, [event.sessions[0].id], now=NOW)
    queue = [reg.apply(db, event, make_resident(), {"adult": 1}, [event.sessions[0].id], now=NOW).registration
             for _ in range(waiting)]
    db.commit()
    assert all(r.status == "waiting" for r in queue)
    return event, queue


def session_form(session, **overrides) -> dict:
    local = session.starts_at + timedelta(hours=9)
    end = session.ends_at + timedelta(hours=9)
    return {"day": f"{local:%Y-%m-%d}", "start": f"{local:%H:%M}", "end": f"{end:%H:%M}",
            "capacity": str(session.capacity), **overrides}


def test_raising_the_capacity_offers_the_new_seats_to_the_first_waiting(db, admin_client, make_resident, clock):
    event, queue = make_waiting_list(db, make_resident)
    session = event.sessions[0]
    url = f"{BASE}/{event.id}/sessions/{session.id}"
    response = post(admin_client, url, session_form(session, capacity="4"), page=f"{BASE}/{event.id}/sessions")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.expire_all()
    statuses = [db.get(EventRegistration, r.id).status for r in queue]
    assert statuses == ["offered", "offered", "waiting"]
    assert db.get(EventSession, session.id).capacity == 4 and db.get(EventSession, session.id).taken == 4
    [changed] = audit_rows(db, "admin.event_session_update")
    assert changed.detail["changes"] == {"capacity": {"before": 2, "after": 4}}
    [offered] = audit_rows(db, "admin.event_waitlist_offered")
    assert offered.detail["registration_ids"] == [queue[0].id, queue[1].id]
    assert "キャンセル待ちの2件に案内しました" in admin_client.get(f"{BASE}/{event.id}/sessions").get_data(as_text=True)


def test_the_capacity_never_goes_below_the_seats_taken(db, admin_client, make_resident):
    event, _queue = make_waiting_list(db, make_resident, capacity=3, waiting=0)
    session = event.sessions[0]
    response = post(admin_client, f"{BASE}/{event.id}/sessions/{session.id}", session_form(session, capacity="2"),
                    page=f"{BASE}/{event.id}/sessions")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "すでに3人分の席が申し込まれているため、定員を2人にはできません" in page and 'value="2"' in page
    db.expire_all()
    assert db.get(EventSession, session.id).capacity == 3
    assert audit_rows(db, "admin.event_session_update") == []
    # lowering to what is taken is fine
    assert post(admin_client, f"{BASE}/{event.id}/sessions/{session.id}", session_form(session, capacity="3"),
                page=f"{BASE}/{event.id}/sessions").status_code == 302


def test_a_session_is_removed_only_without_registrations(db, admin_client, make_resident):
    event = make_event(db, (5, 5), session_mode="choice")
    reg.apply(db, event, make_resident(), {"adult": 1}, [event.sessions[0].id], now=NOW)
    db.commit()
    used, free = event.sessions
    used_id, free_id = used.id, free.id
    page = admin_client.get(f"{BASE}/{event.id}/sessions").get_data(as_text=True)
    assert "この回を中止する" in page
    refused = post(admin_client, f"{BASE}/{event.id}/sessions/{used.id}/delete", page=f"{BASE}/{event.id}/sessions")
    assert refused.status_code == 409 and "申込があるため削除できません" in refused.get_data(as_text=True)
    response = post(admin_client, f"{BASE}/{event.id}/sessions/{free.id}/delete", page=f"{BASE}/{event.id}/sessions")
    assert response.status_code == 302
    db.expire_all()
    assert [s.id for s in db.get(Event, event.id).sessions] == [used_id]
    [deleted] = audit_rows(db, "admin.event_session_delete")
    assert deleted.object_id == str(free_id) and deleted.detail["capacity"] == 5


def test_duplicate_makes_a_draft_copy_shifted_without_registrations(db, admin_client, make_resident):
    event = make_event(db, (10, 12), session_mode="series", procedure_key="event-test", slug="kosodate-2026")
    reg.apply(db, event, make_resident(), {"adult": 1}, [], now=NOW)
    db.commit()
    page = admin_client.get(f"{BASE}/{event.id}/duplicate").get_data(as_text=True)
    assert 'value="kosodate-2027"' in page and 'value="52"' in page
    response = post(admin_client, f"{BASE}/{event.id}/duplicate",
                    {"title": "スマホ教室 2027", "slug": "kosodate-2027", "shift": "weeks", "weeks": "52"},
                    page=f"{BASE}/{event.id}/duplicate")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    copy = db.scalar(select(Event).where(Event.slug == "kosodate-2027"))
    assert location_path(response) == f"{BASE}/{copy.id}"
    assert (copy.status, copy.title, copy.session_mode, copy.procedure_key) == ("draft", "スマホ教室 2027", "series",
                                                                                 "event-test")
    assert [(s.starts_at, s.capacity, s.taken) for s in copy.sessions] == [
        (START + timedelta(weeks=52), 10, 0), (START + timedelta(weeks=53), 12, 0)]
    assert copy.opens_at == event.opens_at + timedelta(weeks=52)
    assert db.scalar(select(EventRegistration.id).where(EventRegistration.event_id == copy.id)) is None
    [duplicated] = audit_rows(db, "admin.event_duplicate")
    assert duplicated.detail["source_event_id"] == event.id and duplicated.object_id == str(copy.id)

    # to a new first date: the times and the week between sessions stay
    response = post(admin_client, f"{BASE}/{event.id}/duplicate",
                    {"title": "スマホ教室 春", "slug": "kosodate-spring", "shift": "first_day",
                     "first_day": "2027-04-04"}, page=f"{BASE}/{event.id}/duplicate")
    assert response.status_code == 302
    spring = db.scalar(select(Event).where(Event.slug == "kosodate-spring"))
    assert [s.starts_at for s in spring.sessions] == [jst("2027-04-04T10:00"), jst("2027-04-11T10:00")]

    # a slug in use and a date before the original are refused, keeping what was typed
    refused = post(admin_client, f"{BASE}/{event.id}/duplicate",
                   {"title": "x", "slug": "kosodate-2027", "shift": "first_day", "first_day": "2026-01-01"},
                   page=f"{BASE}/{event.id}/duplicate")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "別のイベントで使われています" in page and 'value="2026-01-01"' in page


def test_unpublishing_takes_the_event_off_and_it_can_be_published_again(db, admin_client):
    event_definition(db)
    event = make_event(db, procedure_key="event-test", venue_name="中央公民館")
    assert "公開中" in admin_client.get(BASE).get_data(as_text=True)
    response = post(admin_client, f"{BASE}/{event.id}/unpublish", page=f"{BASE}/{event.id}/unpublish")
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Event, event.id).status == "unpublished"
    assert "公開停止" in admin_client.get(BASE).get_data(as_text=True)
    [row] = audit_rows(db, "admin.event_unpublish")
    assert row.detail["changes"]["status"] == {"before": "published", "after": "unpublished"}
    assert post(admin_client, f"{BASE}/{event.id}/publish", page=f"{BASE}/{event.id}/publish").status_code == 302
    db.expire_all()
    assert db.get(Event, event.id).status == "published"


def test_the_list_shows_this_municipality_s_events_with_status_and_next_session(db, admin_client, clock):
    make_event(db, (10,), title="スマホ教室", status="draft")
    make_event(db, municipality="anjo", slug="tanabata", title="七夕まつり")
    page = admin_client.get(BASE).get_data(as_text=True)
    assert "スマホ教室" in page and "下書き" in page and "0 / 10人" in page and "七夕まつり" not in page


def test_another_municipality_s_event_is_not_found(db, admin_client):
    event = make_event(db, municipality="anjo", slug="tanabata")
    session = event.sessions[0]
    for url in (f"{BASE}/{event.id}", f"{BASE}/{event.id}/sessions", f"{BASE}/{event.id}/duplicate",
                f"{BASE}/{event.id}/publish", f"{BASE}/{event.id}/unpublish"):
        assert admin_client.get(url).status_code == 404, url
    for url in (f"{BASE}/{event.id}/sessions/{session.id}", f"{BASE}/{event.id}/sessions/{session.id}/delete",
                f"{BASE}/{event.id}/unpublish", f"{BASE}/{event.id}/publish"):
        assert post(admin_client, url, session_form(session), page=BASE).status_code == 404, url
    mine = make_event(db)
    assert post(admin_client, f"{BASE}/{mine.id}/sessions/{session.id}", session_form(session),
                page=BASE).status_code == 404
    db.expire_all()
    assert db.get(Event, event.id).status == "published"


def test_staff_who_are_not_admins_get_403(db, client, make_staff):
    event = make_event(db)
    sign_in_staff(client, make_staff(procedures=("juminhyo",)))
    assert client.get(BASE).status_code == 403
    assert client.get(f"{BASE}/{event.id}").status_code == 403
    assert post(client, f"{BASE}/{event.id}/unpublish", page="/ichinomiya/backoffice/").status_code == 403


HOSTILE = ["", "-1", "99999999999999999999", "x" * 600, "nan", "9999-12-31T23:59", "2026-02-30", "１２"]


def test_hostile_forms_never_get_a_server_error(db, admin_client, make_resident):
    """Every POST of the event administration, with an empty form and with each field hand-edited, answers
    without a 5xx (the refusals are 4xx pages that say what is wrong)."""
    event_definition(db)
    event = make_event(db, (3,), procedure_key="event-test", venue_name="会場", status="draft")
    session = event.sessions[0]
    forms = {
        f"{BASE}/new": new_event(),
        f"{BASE}/{event.id}": new_event(slug="smartphone"),
        f"{BASE}/{event.id}/sessions": session_form(session),
        f"{BASE}/{event.id}/sessions/{session.id}": session_form(session),
        f"{BASE}/{event.id}/duplicate": {"title": "x", "slug": "copy-x", "shift": "weeks", "weeks": "1",
                                         "first_day": "2027-01-01"},
    }
    failures = []
    token = csrf_token(admin_client, BASE)
    for url, complete in forms.items():
        attempts = [{}] + [{**complete, name: value} for name in complete for value in HOSTILE]
        for data in attempts:
            response = admin_client.post(url, data={"csrf_token": token, **data})
            if response.status_code >= 500:
                failures.append((url, data))
        db.rollback()
    for url in (f"{BASE}/{event.id}/publish", f"{BASE}/{event.id}/unpublish",
                f"{BASE}/{event.id}/sessions/{session.id}/delete"):
        if admin_client.post(url, data={"csrf_token": token}).status_code >= 500:
            failures.append((url, {}))
    assert not failures, failures[:5]


def test_what_people_applied_by_cannot_change_under_them(db, admin_client, make_resident):
    event_definition(db)
    event = make_event(db, (5, 5), session_mode="choice", procedure_key="event-test", venue_name="会場",
                       participant_types=[{"key": "adult", "label": "大人", "label_en": "Adult", "price": 0},
                                          {"key": "child", "label": "子ども", "label_en": "Child", "price": 0}])
    reg.apply(db, event, make_resident(), {"adult": 1, "child": 1}, [event.sessions[0].id], now=NOW)
    db.commit()
    edit = f"{BASE}/{event.id}"
    page = admin_client.get(edit).get_data(as_text=True)
    assert "申込があるため、開催の形" in page
    form = new_event(slug="smartphone", session_mode="series", allocation="lottery", type_key_0="adult",
                     type_label_0="大人", type_key_1="", type_label_1="", type_price_1="", type_label_en_1="",
                     opens_at="2026-12-01T10:00", closes_at="2026-12-18T10:00")
    response = post(admin_client, edit, form, page=edit)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "開催の形は変更できません" in page and "受付の方法（先着順・抽選）は変更できません" in page
    assert "申込に使われている参加者の区分（子ども）は削除できません" in page
    db.expire_all()
    assert db.get(Event, event.id).session_mode == "choice"
