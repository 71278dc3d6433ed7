"""Cancelling event registrations without money: the resident's confirmation page and POST (free, the deadline,
another resident, a double click), the freed seat offered to the first on the waiting list, and staff cancelling
a session or the whole event (reason, emails, the list of people to phone, idempotent, authorized).
The money (card refund, konbini voucher, open checkout) is in test_event_cancel_payments.py."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.events import registration as reg, seats, tickets
from portal.events.models import Event, EventRegistration, EventSession, RegistrationSession
from tests.conftest import sign_in_as
from tests.integration.backoffice import sign_in_staff
from tests.integration.events_factory import NOW, START, make_event
from tests.integration.helpers import csrf_token

CITY = "/ichinomiya"


# --- the world -------------------------------------------------------------------------------------------------

@pytest.fixture
def clock(app):
    """The business clock of the app under test, moved by the test."""
    class Clock:
        current = NOW

        def set(self, moment):
            self.current = moment

    c = Clock()
    app.extensions["clock"] = lambda: c.current
    yield c
    app.extensions.pop("clock", None)


def register(db, event, resident, *, party=None, email="hanako@example.jp", lang="ja", sessions=None):
    """A submitted registration as the apply journey leaves it (受付番号 and ticket set)."""
    chosen = sessions if sessions is not None else ([] if event.session_mode == "series" else [event.sessions[0].id])
    outcome = reg.apply(db, event, resident, party or {"adult": 1}, chosen, now=NOW, lang=lang, contact_email=email)
    outcome.registration.reference = tickets.new_reference()
    outcome.registration.ticket_secret = tickets.new_secret()
    db.commit()
    return outcome.registration


def walk_in(db, event, name="当日 太郎", size=1, session=None):
    """A walk-in added at the door: no resident, no email."""
    session = session or event.sessions[0]
    seats.take(db, [session.id], size)
    registration = EventRegistration(municipality_id=event.municipality_id, event_id=event.id, party={"adult": size},
                                     party_size=size, status="confirmed", walk_in=True, walk_in_name=name,
                                     reference=tickets.new_reference(), ticket_secret=tickets.new_secret())
    registration.seats = [RegistrationSession(session_id=session.id)]
    db.add(registration)
    db.commit()
    return registration


def cancel_url(registration):
    return f"{CITY}/events/registrations/{registration.reference}/cancel"


def signed_in(app, resident):
    client = app.test_client()
    sign_in_as(client, resident)
    return client


def post_cancel(client, registration):
    return client.post(cancel_url(registration), data={"csrf_token": csrf_token(client, cancel_url(registration))})


def fresh(db, obj):
    return row(db, type(obj), obj.id)


def row(db, cls, row_id):
    db.rollback()
    db.expire_all()
    return db.get(cls, row_id)


def audits(db, action):
    db.rollback()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def is_cancellation(message, reference) -> bool:
    """The cancellation email of this registration (other emails of it name its 受付番号 too)."""
    subject = message["Subject"]
    return reference in subject and any(word in subject for word in ("取り消しました", "中止", "cancelled"))


# --- the resident ------------------------------------------------------------------------------------------------

def test_the_confirmation_page_says_what_happens_and_the_post_cancels_a_free_registration(app, db, make_resident,
                                                                                          clock, mail_sink):
    event = make_event(db, (5,), department="生涯学習課", contact="電話 0586-28-9999")
    resident = make_resident()
    registration = register(db, event, resident, party={"adult": 2})
    client = signed_in(app, resident)

    page = client.get(cancel_url(registration))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "お申込みを取り消しますか" in html and registration.reference in html
    assert "2026年12月20日(日) 10:00–12:00" in html and "2人" in html
    assert "お席（2人分）は、キャンセル待ちの方に順番にご案内します。" in html
    assert "参加費のお支払いはありません。" in html
    assert "取消の期限" in html and "2026年12月19日(土) 10:00" in html   # 24 hours before the start
    assert 'name="csrf_token"' in html
    assert fresh(db, registration).status == "confirmed"            # looking changes nothing

    assert client.post(cancel_url(registration)).status_code == 400  # without the CSRF token
    assert fresh(db, registration).status == "confirmed"

    response = post_cancel(client, registration)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{CITY}/events/registrations/{registration.reference}")
    registration = fresh(db, registration)
    assert (registration.status, registration.cancel_reason) == ("cancelled", "resident")
    assert row(db, EventSession, event.sessions[0].id).taken == 0

    message = mail_sink.wait_for(lambda m: is_cancellation(m, registration.reference), timeout=10)
    assert message["Subject"] == \
        f"【一宮市】「スマホ教室」のお申込みを取り消しました（受付番号 {registration.reference}）"
    body = message.get_content()
    assert "一宮 花子 様" in body and "ご依頼により、次のお申込みを取り消しました。" in body
    assert "日時: 2026年12月20日(日) 10:00–12:00" in body and "参加人数: 2人" in body
    assert "取り消した日時: 2026年12月2日(水) 10:00" in body
    assert "参加費のお支払いはありません。" in body
    assert f"{CITY}/events/registrations/{registration.reference}" in body
    assert "生涯学習課" in body and "電話 0586-28-9999" in body

    [entry] = audits(db, "events.registration_cancel")
    assert (entry.actor_kind, entry.actor_id, entry.object_id) == ("resident", resident.id, str(registration.id))
    assert entry.detail["status"] == "confirmed" and entry.detail["money"] == "none"

    assert "このお申込みは取り消しました。" in client.get(response.headers["Location"]).get_data(as_text=True)
    # afterwards the page says it is cancelled, without a form
    html = client.get(cancel_url(registration)).get_data(as_text=True)
    assert "取消済み" in html and "このお申込みは取り消しました。" in html and "申込を取り消す" not in html


def test_the_freed_seat_is_offered_to_the_first_on_the_waiting_list(app, db, make_resident, clock):
    event = make_event(db, (2,))
    holder_resident = make_resident()
    holder = register(db, event, holder_resident, party={"adult": 2})
    first = register(db, event, make_resident(), party={"adult": 1})
    second = register(db, event, make_resident(), party={"adult": 1})
    big = register(db, event, make_resident(), party={"adult": 3})
    assert [fresh(db, r).status for r in (first, second, big)] == ["waiting", "waiting", "waiting"]

    assert post_cancel(signed_in(app, holder_resident), holder).status_code == 303
    assert [fresh(db, r).status for r in (holder, first, second, big)] == ["cancelled", "offered", "offered", "waiting"]
    assert fresh(db, first).offer_expires_at is not None
    assert row(db, EventSession, event.sessions[0].id).taken == 2


def test_a_double_click_cancels_once(app, db, make_resident, clock, mail_sink):
    event = make_event(db, (1,))
    resident = make_resident()
    registration = register(db, event, resident)
    waiting = register(db, event, make_resident())
    client = signed_in(app, resident)
    token = csrf_token(client, cancel_url(registration))
    first = client.post(cancel_url(registration), data={"csrf_token": token})
    second = client.post(cancel_url(registration), data={"csrf_token": token})
    assert (first.status_code, second.status_code) == (303, 303)
    assert fresh(db, registration).status == "cancelled" and fresh(db, waiting).status == "offered"
    assert row(db, EventSession, event.sessions[0].id).taken == 1   # the seat given back once, taken by the offer
    assert len(audits(db, "events.registration_cancel")) == 1
    mail_sink.wait_for(lambda m: is_cancellation(m, registration.reference), timeout=10)
    assert len([m for m in mail_sink.messages() if is_cancellation(m, registration.reference)]) == 1
    with client.session_transaction() as browser:
        flashes = [text for _, text in browser.get("_flashes", [])]
    assert any("すでに取り消されているか" in text for text in flashes)


def test_after_the_deadline_the_page_says_to_contact_the_organiser(app, db, make_resident, clock):
    event = make_event(db, (5,), cancel_until_hours=48, department="生涯学習課", contact="電話 0586-28-9999")
    resident = make_resident()
    registration = register(db, event, resident)
    client = signed_in(app, resident)
    clock.set(START - timedelta(hours=47))
    html = client.get(cancel_url(registration)).get_data(as_text=True)
    assert "取消の期限（2026年12月18日(金) 10:00）を過ぎているため、オンラインでは取り消せません。" in html
    assert "主催者にご連絡ください" in html and "電話 0586-28-9999" in html
    assert "申込を取り消す" not in html
    assert post_cancel(client, registration).status_code == 303
    assert fresh(db, registration).status == "confirmed"
    assert row(db, EventSession, event.sessions[0].id).taken == 1
    # an hour earlier it could still be cancelled
    clock.set(START - timedelta(hours=48, minutes=1))
    assert "申込を取り消す" in client.get(cancel_url(registration)).get_data(as_text=True)


def test_leaving_the_waiting_list_frees_nothing_and_says_so(app, db, make_resident, clock):
    event = make_event(db, (1,))
    register(db, event, make_resident())
    resident = make_resident()
    waiting = register(db, event, resident)
    client = signed_in(app, resident)
    html = client.get(cancel_url(waiting)).get_data(as_text=True)
    assert "キャンセル待ちの順番はなくなります。" in html and "キャンセル待ちの方に順番に" not in html
    post_cancel(client, waiting)
    assert fresh(db, waiting).status == "withdrawn"
    assert row(db, EventSession, event.sessions[0].id).taken == 1


def test_a_series_says_every_session_is_cancelled(app, db, make_resident, clock):
    event = make_event(db, (5, 5, 5), session_mode="series")
    resident = make_resident()
    registration = register(db, event, resident)
    client = signed_in(app, resident)
    html = client.get(cancel_url(registration)).get_data(as_text=True)
    assert "全3回の講座です。すべての回のお申込みが取り消されます。" in html
    assert "2026年12月27日(日) 10:00–12:00" in html and "2027年1月3日(日) 10:00–12:00" in html
    post_cancel(client, registration)
    assert [row(db, EventSession, s.id).taken for s in event.sessions] == [0, 0, 0]


def test_only_the_owner_sees_the_page(app, db, make_resident, clock):
    event = make_event(db)
    owner = make_resident()
    registration = register(db, event, owner)
    other = signed_in(app, make_resident())
    assert other.get(cancel_url(registration)).status_code == 404
    assert other.post(cancel_url(registration),
                      data={"csrf_token": csrf_token(other, "/login")}).status_code == 404
    assert fresh(db, registration).status == "confirmed"
    # not signed in: to the sign-in; another municipality's URL or a made-up reference: 404
    assert app.test_client().get(cancel_url(registration)).status_code == 302
    mine = signed_in(app, owner)
    assert mine.get(f"/anjo/events/registrations/{registration.reference}/cancel").status_code == 404
    for bad in ("E-0000-0000", "x" * 300, "%00", "'; --"):
        assert mine.get(f"{CITY}/events/registrations/{bad}/cancel").status_code == 404


# --- staff ---------------------------------------------------------------------------------------------------------

def staff_client(app, make_staff, role="staff", procedures=("event-application",), slug="ichinomiya"):
    client = app.test_client()
    sign_in_staff(client, make_staff(slug=slug, role=role, procedures=procedures))
    return client


def session_cancel_url(session):
    return f"{CITY}/backoffice/events/sessions/{session.id}/cancel"


def staff_post(client, url, reason="講師の急病のため"):
    # the token of the staff's own queue page (the logout form): a 403 or 404 page has none
    return client.post(url, data={"csrf_token": csrf_token(client, f"{CITY}/backoffice/"), "reason": reason})


def test_staff_cancel_a_session_free_registrations_emailed_and_walk_ins_to_phone(app, db, make_resident, make_staff,
                                                                                clock, mail_sink):
    event = make_event(db, (10, 10), session_mode="choice", procedure_key="event-application")
    first, other_date = event.sessions
    ja = register(db, event, make_resident(), party={"adult": 2})
    en = register(db, event, make_resident(), email="taro@example.com", lang="en")
    keeps = register(db, event, make_resident(), sessions=[other_date.id])
    door = walk_in(db, event, "当日 太郎", 2)
    client = staff_client(app, make_staff)

    page = client.get(session_cancel_url(first))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "3件（参加者 5人）" in html and "メールのない方" in html and "当日 太郎" in html
    assert ja.reference in html and door.reference in html and keeps.reference not in html
    assert [a.detail["registrations"] for a in audits(db, "events.cancel_preview")] == [[ja.id, en.id, door.id]]

    missing = staff_post(client, session_cancel_url(first), reason="  ")
    assert missing.status_code == 422 and "中止の理由を入力してください" in missing.get_data(as_text=True)
    long = staff_post(client, session_cancel_url(first), reason="あ" * 101)
    assert long.status_code == 422 and "あ" * 101 in long.get_data(as_text=True)
    assert row(db, EventSession, first.id).status == "open"

    response = staff_post(client, session_cancel_url(first))
    assert response.status_code == 303 and response.headers["Location"].endswith(session_cancel_url(first))
    assert row(db, EventSession, first.id).status == "cancelled"
    assert row(db, EventSession, other_date.id).status == "open"
    assert [fresh(db, r).status for r in (ja, en, door, keeps)] == ["cancelled", "cancelled", "cancelled", "confirmed"]
    assert fresh(db, ja).cancel_reason == "講師の急病のため"
    assert row(db, EventSession, first.id).taken == 0

    ja_mail = mail_sink.wait_for(lambda m: is_cancellation(m, ja.reference), timeout=10)
    assert ja_mail["Subject"] == f"【一宮市】「スマホ教室」の開催日が中止になりました（受付番号 {ja.reference}）"
    body = ja_mail.get_content()
    assert "講師の急病のため" in body and "主催者の都合で取り消しました" in body
    assert "参加費のお支払いはありません" in body
    en_mail = mail_sink.wait_for(lambda m: is_cancellation(m, en.reference), timeout=10)
    assert "Smartphone class" in en_mail["Subject"] and "Ichinomiya" in en_mail["Subject"]
    body = en_mail.get_content()
    assert "Reference number" in body and "講師の急病のため" in body and "1 person" in body
    assert "Date and time: Sun 20 Dec 2026 10:00–12:00" in body

    done = client.get(session_cancel_url(first))
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "開催日を中止しました" in html and "電話で連絡してください" in html
    assert "当日 太郎" in html and door.reference in html and "data-print" in html
    assert ja.reference not in html.split("電話で連絡してください")[1]   # they were emailed

    [action] = audits(db, "events.session_cancel")
    assert action.detail | {"registrations": 3, "people": 5, "paid": 0, "refund_total": 0, "without_email": 1,
                            "reason": "講師の急病のため"} == action.detail
    assert {a.object_id for a in audits(db, "events.registration_cancel_by_staff")} == \
        {str(ja.id), str(en.id), str(door.id)}
    assert audits(db, "events.cancel_phone_list")[-1].detail["registrations"] == [door.id]

    # a second POST changes nothing
    sent = len(mail_sink.messages())
    again = staff_post(client, session_cancel_url(first), reason="二度目")
    assert again.status_code == 303
    assert len(audits(db, "events.session_cancel")) == 1 and fresh(db, ja).cancel_reason == "講師の急病のため"
    assert len(mail_sink.messages()) == sent


def test_a_series_registration_is_cancelled_with_any_of_its_sessions(app, db, make_resident, make_staff, clock):
    event = make_event(db, (5, 5, 5), session_mode="series", procedure_key="event-application")
    registration = register(db, event, make_resident(), party={"adult": 2})
    client = staff_client(app, make_staff)
    html = client.get(session_cancel_url(event.sessions[1])).get_data(as_text=True)
    assert "全3回の講座です。この回を中止すると、講座のお申込みはほかの回の分も含めてすべて取り消され" in html
    staff_post(client, session_cancel_url(event.sessions[1]))
    assert fresh(db, registration).status == "cancelled"
    assert [row(db, EventSession, s.id).taken for s in event.sessions] == [0, 0, 0]
    assert [row(db, EventSession, s.id).status for s in event.sessions] == ["open", "cancelled", "open"]


def test_staff_cancel_the_whole_event_and_the_waiting_list(app, db, make_resident, make_staff, clock, mail_sink):
    event = make_event(db, (1, 3), session_mode="choice", procedure_key="event-application")
    holder = register(db, event, make_resident())
    waiting = register(db, event, make_resident(), email="wait@example.jp")
    later = register(db, event, make_resident(), sessions=[event.sessions[1].id])
    client = staff_client(app, make_staff, role="admin", procedures=())
    url = f"{CITY}/backoffice/events/{event.id}/cancel"
    html = client.get(url).get_data(as_text=True)
    assert "2件（参加者 2人）" in html and "ほかにキャンセル待ち・抽選の申込 1件" in html

    assert staff_post(client, url, reason="台風の接近のため").status_code == 303
    assert row(db, Event, event.id).status == "cancelled"
    assert [s.status for s in row(db, Event, event.id).sessions] == ["cancelled", "cancelled"]
    assert [fresh(db, r).status for r in (holder, later, waiting)] == ["cancelled", "cancelled", "withdrawn"]
    message = mail_sink.wait_for(lambda m: is_cancellation(m, waiting.reference), timeout=10)
    assert message["Subject"] == f"【一宮市】「スマホ教室」は中止になりました（受付番号 {waiting.reference}）"
    assert "台風の接近のため" in message.get_content()
    done = client.get(url).get_data(as_text=True)
    assert "イベントを中止しました" in done and "メールアドレスのない方はいません" in done
    assert len(audits(db, "events.event_cancel")) == 1
    staff_post(client, url)
    assert len(audits(db, "events.event_cancel")) == 1


def test_staff_cancel_pages_are_authorized(app, db, make_resident, make_staff, clock):
    event = make_event(db, procedure_key="event-application")
    registration = register(db, event, make_resident())
    anjo_event = make_event(db, municipality="anjo", slug="anjo-class", procedure_key="event-application")
    urls = [session_cancel_url(event.sessions[0]), f"{CITY}/backoffice/events/{event.id}/cancel"]

    resident = signed_in(app, make_resident())
    for url in urls:
        response = resident.get(url)
        assert response.status_code == 302 and "/ichinomiya/backoffice/login" in response.headers["Location"]
        assert resident.post(url, data={"reason": "x"}).status_code in (302, 400)

    unassigned = staff_client(app, make_staff, procedures=("juminhyo",))
    for url in urls:
        assert unassigned.get(url).status_code == 403
        assert staff_post(unassigned, url).status_code == 403

    mine = staff_client(app, make_staff)
    assert mine.get(session_cancel_url(anjo_event.sessions[0])).status_code == 404
    assert mine.get(f"{CITY}/backoffice/events/{anjo_event.id}/cancel").status_code == 404
    assert staff_post(mine, session_cancel_url(anjo_event.sessions[0])).status_code == 404
    assert mine.get(f"{CITY}/backoffice/events/sessions/999999/cancel").status_code == 404
    assert row(db, EventSession, anjo_event.sessions[0].id).status == "open"
    assert fresh(db, registration).status == "confirmed"
