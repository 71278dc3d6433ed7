"""Cancelling a paid event registration, through the Stripe emulator as the payments tests do: a card payment is
refunded in full (once, however often the button is pressed), a konbini voucher waiting is made invalid, an open
checkout is expired, a refund the provider refuses is flagged for staff — and staff cancelling a session with a
paid, a free and a walk-in registration refund, email in Japanese and English and list the walk-in to phone."""
from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.events import registration as reg, tickets
from portal.events.models import EventRegistration, EventSession
from portal.payments import service
from portal.payments.gateway import gateway
from portal.payments.models import Payment, Refund
from portal.procedures.models import FormDefinition, Submission
from portal.procedures.reference import new_reference
from tests.integration.events_factory import NOW, PAID, make_event
from tests.integration.helpers import csrf_token
from tests.integration.test_event_cancel import is_cancellation, walk_in

CITY = "/ichinomiya"
QUESTIONS = {
    "id": "test-event-questions", "version": 1, "municipality": None, "kind": "event", "category": "event",
    "audience": "signed_in", "title": {"ja": "イベントの申込", "en": "Event application"},
    "contact_email_field": "email", "applicant_name_field": "name",
    "steps": [{"id": "contact", "title": {"ja": "ご連絡先", "en": "Contact"}, "fields": [
        {"id": "name", "type": "text", "label": {"ja": "お名前", "en": "Name"}, "required": True},
        {"id": "phone", "type": "phone", "label": {"ja": "電話番号", "en": "Phone"}, "required": True},
        {"id": "email", "type": "email", "label": {"ja": "メールアドレス", "en": "Email"}},
    ]}],
}


@pytest.fixture
def world(pay):
    pay.app.extensions["clock"] = lambda: NOW
    yield pay
    pay.app.extensions.pop("clock", None)


def questions(db) -> FormDefinition:
    row = db.scalar(select(FormDefinition).where(FormDefinition.key == QUESTIONS["id"]))
    if row is None:
        row = FormDefinition(key=QUESTIONS["id"], version=1, municipality_id=None, kind="event", content=QUESTIONS,
                             checksum=hashlib.sha256(json.dumps(QUESTIONS, sort_keys=True).encode()).hexdigest())
        db.add(row)
        db.commit()
    return row


#: 大人 1,200円, 子ども 600円, and 乳幼児 free
TYPES = [*PAID, {"key": "infant", "label": "乳幼児", "label_en": "Infant", "price": 0}]


def paid_event(pay, capacities=(10,), **overrides):
    return make_event(pay.db, capacities, participant_types=TYPES, procedure_key=QUESTIONS["id"], **overrides)


def applied(pay, event, resident, party=None, email="hanako@example.jp", lang="ja", phone="090-1111-2222"):
    """A submitted registration with its fee's submission, as the apply journey leaves it: pending payment."""
    db = pay.db
    outcome = reg.apply(db, event, resident, party or {"adult": 1, "child": 1}, [event.sessions[0].id], now=NOW,
                        lang=lang, contact_email=email)
    registration = outcome.registration
    registration.reference, registration.ticket_secret = tickets.new_reference(), tickets.new_secret()
    if outcome.fee:
        submission = Submission(reference=new_reference(), municipality_id=event.municipality_id,
                                definition_id=questions(db).id, resident_id=resident.id, status="received",
                                answers={"name": resident.display_name, "phone": phone, "email": email},
                                applicant_name=resident.display_name, contact_email=email, fee_amount=outcome.fee,
                                lang=lang)
        db.add(submission)
        db.flush()
        registration.submission_id = submission.id
    db.commit()
    return registration


def checkout(pay, registration) -> str:
    submission = pay.db.get(Submission, registration.submission_id)
    payment = service.start_checkout(pay.db, gateway(pay.app), submission)
    assert payment.status == "open"
    return payment.provider_session_id


def paid_by_card(pay, event, resident, **kwargs):
    registration = applied(pay, event, resident, **kwargs)
    pay.outcome(checkout(pay, registration), "card_success")
    pay.wait()
    assert payment_of(pay, registration).status == "paid"
    row = pay.db.get(EventRegistration, registration.id)
    row.status, row.pay_by = "confirmed", None   # what the kind's accept_payment does
    pay.db.commit()
    return registration


def payment_of(pay, registration) -> Payment:
    pay.fresh()
    return pay.db.scalar(select(Payment).where(Payment.submission_id == registration.submission_id)
                         .order_by(Payment.id.desc()))


def fresh(pay, registration) -> EventRegistration:
    pay.fresh()
    return pay.db.get(EventRegistration, registration.id)


def cancel_url(registration):
    return f"{CITY}/events/registrations/{registration.reference}/cancel"


def post_cancel(client, registration):
    return client.post(cancel_url(registration), data={"csrf_token": csrf_token(client, cancel_url(registration))})


def provider_refunds(pay, payment) -> list[int]:
    found = pay.emulator.client().v1.refunds.list(params={"payment_intent": payment.provider_payment_intent_id})
    return sorted(r.amount for r in found.data)


# --- the resident ------------------------------------------------------------------------------------------------

def test_a_card_payment_is_refunded_in_full_once(world, mail_sink):
    pay = world
    event = paid_event(pay)
    resident = pay.resident()
    registration = paid_by_card(pay, event, resident)

    html = pay.client.get(cancel_url(registration)).get_data(as_text=True)
    assert "お支払いの 1,800円 は全額返金されます（カードへの返金は数日かかります）。" in html
    assert "クレジットカードに返金します" in html

    token = csrf_token(pay.client, cancel_url(registration))
    first = pay.client.post(cancel_url(registration), data={"csrf_token": token})
    second = pay.client.post(cancel_url(registration), data={"csrf_token": token})
    assert (first.status_code, second.status_code) == (303, 303)
    assert fresh(pay, registration).status == "cancelled"
    assert pay.db.get(EventSession, event.sessions[0].id).taken == 0
    payment = payment_of(pay, registration)
    assert (payment.status, payment.refunded_amount, payment.needs_refund) == ("refunded", 1800, False)
    assert provider_refunds(pay, payment) == [1800]
    refund = pay.db.scalar(select(Refund).where(Refund.payment_id == payment.id))
    assert (refund.source, refund.reason) == ("resident", "イベント申込の取消")
    assert pay.db.get(Submission, registration.submission_id).status == "withdrawn"
    assert service.fee_record(pay.db, pay.db.get(Submission, registration.submission_id)).status == "refunded"

    message = mail_sink.wait_for(lambda m: is_cancellation(m, registration.reference), timeout=10)
    body = message.get_content()
    assert "お支払いの 1,800円 を全額返金しました（カードへの返金は数日かかります）。" in body
    assert "クレジットカードに返金します" in body
    assert len([m for m in mail_sink.messages() if is_cancellation(m, registration.reference)]) == 1

    html = pay.client.get(cancel_url(registration)).get_data(as_text=True)
    assert "取消済み" in html and "返金: 1,800円（返金済み）" in html
    # the registration's page, where the POST goes back to, says so too
    html = pay.client.get(first.headers["Location"]).get_data(as_text=True)
    assert "このお申込みは取り消しました。" in html and "返金: 1,800円（返金済み）" in html
    [entry] = pay.db.scalars(select(AuditEvent).where(AuditEvent.action == "events.registration_cancel")).all()
    assert entry.detail["money"] == "refund" and entry.detail["refund"] == 1800


def test_a_konbini_voucher_waiting_becomes_invalid(world, mail_sink):
    pay = world
    event = paid_event(pay)
    registration = applied(pay, event, pay.resident())
    pay.outcome(checkout(pay, registration), "konbini_issued", store="lawson")
    pay.wait()
    assert payment_of(pay, registration).status == "processing"

    html = pay.client.get(cancel_url(registration)).get_data(as_text=True)
    assert "発行したコンビニ払込票（1,800円）は無効になり、お支払いできなくなります。" in html
    assert post_cancel(pay.client, registration).status_code == 303
    assert fresh(pay, registration).status == "cancelled"
    payment = payment_of(pay, registration)
    assert payment.status == "canceled" and not payment.needs_refund
    intent = pay.emulator.client().v1.payment_intents.retrieve(payment.provider_payment_intent_id)
    assert intent.status == "canceled"
    body = mail_sink.wait_for(lambda m: is_cancellation(m, registration.reference), timeout=10).get_content()
    assert "発行したコンビニ払込票（1,800円）は無効にしました。" in body


def test_an_unpaid_checkout_is_expired_and_nothing_is_charged(world):
    pay = world
    event = paid_event(pay)
    registration = applied(pay, event, pay.resident())
    session_id = checkout(pay, registration)
    html = pay.client.get(cancel_url(registration)).get_data(as_text=True)
    assert "参加費 1,800円 はまだお支払いいただいていません。" in html
    post_cancel(pay.client, registration)
    assert fresh(pay, registration).status == "cancelled"
    assert payment_of(pay, registration).status == "canceled"
    assert pay.emulator.client().v1.checkout.sessions.retrieve(session_id).status == "expired"
    assert pay.db.get(EventSession, event.sessions[0].id).taken == 0


def test_a_refund_the_provider_refuses_is_flagged_for_staff(world, mail_sink):
    pay = world
    event = paid_event(pay)
    registration = paid_by_card(pay, event, pay.resident())
    payment = payment_of(pay, registration)
    payment.provider_payment_intent_id = "pi_gone_at_the_provider"
    pay.db.commit()
    post_cancel(pay.client, registration)
    assert fresh(pay, registration).status == "cancelled"
    payment = payment_of(pay, registration)
    assert payment.status == "paid" and payment.needs_refund
    assert payment.needs_refund_reason == "withdrawn_refund_failed"
    body = mail_sink.wait_for(lambda m: is_cancellation(m, registration.reference), timeout=10).get_content()
    assert "お支払いの 1,800円 は、担当課が返金の手続きをしてご連絡します。" in body


# --- staff ---------------------------------------------------------------------------------------------------------

def test_staff_cancel_a_session_paid_free_and_walk_in(world, mail_sink):
    pay = world
    event = paid_event(pay, department="生涯学習課", contact="電話 0586-28-9999")
    first, other = pay.app.test_client(), pay.app.test_client()
    paid = paid_by_card(pay, event, pay.resident(first), party={"adult": 1, "child": 1})
    second_resident = pay.resident(other)
    free = applied(pay, event, second_resident, party={"infant": 1}, email="taro@example.com", lang="en")
    assert free.status == "confirmed" and free.submission_id is None
    door = walk_in(pay.db, event, "当日 花子", 1)
    assert pay.db.get(EventSession, event.sessions[0].id).taken == 4

    staff = pay.staff()
    staff.procedures[0].definition_key = QUESTIONS["id"]
    pay.db.commit()
    client = pay.staff_client(staff)
    url = f"{CITY}/backoffice/events/sessions/{event.sessions[0].id}/cancel"
    html = client.get(url).get_data(as_text=True)
    assert "3件（参加者 4人）" in html and "返金する合計" in html and "<strong>1,800円</strong>" in html
    assert "当日 花子" in html and "090-1111-2222" not in html.split("当日 花子")[1][:10]

    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "reason": "講師の急病のため"})
    assert response.status_code == 303
    assert [fresh(pay, r).status for r in (paid, free, door)] == ["cancelled", "cancelled", "cancelled"]
    payment = payment_of(pay, paid)
    assert (payment.status, payment.refunded_amount) == ("refunded", 1800)
    refund = pay.db.scalar(select(Refund).where(Refund.payment_id == payment.id))
    assert (refund.source, refund.staff_id, refund.reason) == ("staff", staff.id, "イベントの中止")

    ja = mail_sink.wait_for(lambda m: is_cancellation(m, paid.reference), timeout=10)
    assert ja["Subject"] == f"【一宮市】「スマホ教室」の開催日が中止になりました（受付番号 {paid.reference}）"
    body = ja.get_content()
    assert "講師の急病のため" in body and "お支払いの 1,800円 を全額返金しました" in body
    assert "お問い合わせ: 一宮市 生涯学習課" in body and "電話 0586-28-9999" in body
    en = mail_sink.wait_for(lambda m: is_cancellation(m, free.reference), timeout=10)
    assert "Smartphone class" in en["Subject"]
    body = en.get_content()
    assert "Dear" in body and "Reference number" in body and "講師の急病のため" in body

    done = client.get(url).get_data(as_text=True)
    assert "1,800円" in done and "電話で連絡してください" in done
    phone_list = done.split("電話で連絡してください")[1]
    assert "当日 花子" in phone_list and door.reference in phone_list
    assert paid.reference not in phone_list and free.reference not in phone_list

    [action] = pay.db.scalars(select(AuditEvent).where(AuditEvent.action == "events.session_cancel")).all()
    assert (action.detail["registrations"], action.detail["people"], action.detail["paid"],
            action.detail["refund_total"], action.detail["without_email"]) == (3, 4, 1, 1800, 1)
    per_registration = pay.db.scalars(select(AuditEvent).where(
        AuditEvent.action == "events.registration_cancel_by_staff")).all()
    assert sorted(int(a.object_id) for a in per_registration) == sorted([paid.id, free.id, door.id])

    # the second POST: nothing changes, no second refund
    client.post(url, data={"csrf_token": token, "reason": "講師の急病のため"})
    assert provider_refunds(pay, payment_of(pay, paid)) == [1800]
    assert len(pay.db.scalars(select(AuditEvent).where(AuditEvent.action == "events.session_cancel")).all()) == 1


def test_a_resident_cannot_reach_the_staff_cancel(world):
    pay = world
    event = paid_event(pay)
    pay.resident()
    response = pay.client.get(f"{CITY}/backoffice/events/sessions/{event.sessions[0].id}/cancel")
    assert response.status_code == 302 and "/backoffice/login" in response.headers["Location"]
