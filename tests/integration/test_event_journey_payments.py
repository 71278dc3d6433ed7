"""A paid event end to end through the test client and the Stripe emulator: choose the party → answer the
questions → pay by card → confirmed, with the ticket emailed as a QR code; money for a seat that lapsed meanwhile
is flagged for refund."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.events import follow_up
from portal.events.models import EventRegistration
from tests.integration.events_factory import NOW, PAID, make_event
from tests.integration.helpers import answer, location_path, post

CITY = "ichinomiya"
KIDS = {"child_name": "一宮 太郎", "child_kana": "いちのみや たろう", "child_birth_date__year": "2019",
        "child_birth_date__month": "5", "child_birth_date__day": "1", "child2_name": "一宮 桜",
        "child2_kana": "いちのみや さくら", "child2_birth_date__year": "2021", "child2_birth_date__month": "8",
        "child2_birth_date__day": "3"}
GUARDIAN = {"email": "hanako@example.jp", "phone": "090-1234-5678"}


@pytest.fixture
def clock(pay):
    moment = {"now": NOW}
    pay.app.extensions["clock"] = lambda: moment["now"]
    yield moment
    pay.app.extensions.pop("clock", None)


def apply_for_family(pay):
    event = make_event(pay.db, (10,), slug="oyako", title="親子クッキング", participant_types=PAID, max_party=3,
                       procedure_key="event-kosodate")
    pay.resident()
    page = f"/{CITY}/events/{event.slug}/apply"
    response = post(pay.client, page, {"party-adult": "1", "party-child": "2"}, page=page)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    token = location_path(response).split("/drafts/")[1].split("/")[0]
    for step_id, data in (("children", KIDS), ("guardian", GUARDIAN)):
        assert answer(pay.client, CITY, token, step_id, data).status_code == 302
    response = post(pay.client, f"/{CITY}/drafts/{token}/submit", page=f"/{CITY}/drafts/{token}/check")
    return event, pay.submission(location_path(response).split("/submissions/")[1].split("/")[0])


def registration_of(pay, submission):
    pay.fresh()
    return pay.db.scalar(select(EventRegistration).where(EventRegistration.submission_id == submission.id))


def test_a_parent_and_two_children_pay_by_card_and_get_the_ticket(pay, clock, mail_sink):
    event, submission = apply_for_family(pay)
    assert submission.fee_amount == 2400
    registration = registration_of(pay, submission)
    assert registration.status == "pending_payment"
    page = pay.client.get(f"/{CITY}/mypage/submissions/{submission.reference}").get_data(as_text=True)
    assert "大人 1,200円 × 1人" in page and "子ども 600円 × 2人" in page
    session_id = pay.checkout(submission)
    checkout = pay.emulator.client().v1.checkout.sessions.retrieve(session_id)
    assert checkout.amount_total == 2400
    pay.outcome(session_id, "card_success")
    pay.wait()
    assert pay.payment(submission).status == "paid"
    registration = registration_of(pay, submission)
    assert registration.status == "confirmed" and registration.pay_by is None
    message = mail_sink.wait_for(lambda m: "お支払いを確認し" in m["Subject"])
    assert registration.reference in message.get_body(("plain",)).get_content()
    [qr] = list(message.iter_attachments())
    assert qr.get_content_type() == "image/png"
    ticket = pay.client.get(f"/{CITY}/events/registrations/{registration.reference}/ticket")
    assert ticket.status_code == 200 and "<svg" in ticket.get_data(as_text=True)


def test_money_for_a_seat_that_lapsed_is_flagged_for_refund(pay, clock):
    event, submission = apply_for_family(pay)
    session_id = pay.checkout(submission)
    clock["now"] = NOW + timedelta(hours=event.pay_within_hours, minutes=1)
    registration_id = registration_of(pay, submission).id
    assert follow_up.lapse_unpaid(pay.db, now=clock["now"]) == [registration_id]
    pay.db.commit()
    pay.outcome(session_id, "card_success")
    pay.wait()
    payment = pay.payment(submission)
    assert payment.needs_refund and payment.needs_refund_reason == "event_lapsed"
    assert registration_of(pay, submission).status == "lapsed"
    assert pay.db.get(type(event.sessions[0]), event.sessions[0].id).taken == 0


def test_after_the_deadline_the_pay_button_refuses(pay, clock):
    event, submission = apply_for_family(pay)
    clock["now"] = NOW + timedelta(hours=event.pay_within_hours, minutes=1)
    response = pay.click_pay(submission)
    assert response.status_code == 303 and "/checkout/" not in response.headers["Location"]


@pytest.mark.parametrize(("pay_within_hours", "konbini"), [(24, False), (24 * 7, True)])
def test_konbini_is_offered_only_when_its_voucher_fits_before_the_payment_deadline(pay, clock, pay_within_hours,
                                                                                  konbini):
    event = make_event(pay.db, (10,), slug="oyako", title="親子クッキング", participant_types=PAID, max_party=3,
                       procedure_key="event-kosodate", pay_within_hours=pay_within_hours)
    pay.resident()
    page = f"/{CITY}/events/{event.slug}/apply"
    token = location_path(post(pay.client, page, {"party-adult": "1", "party-child": "2"}, page=page)
                          ).split("/drafts/")[1].split("/")[0]
    for step_id, data in (("children", KIDS), ("guardian", GUARDIAN)):
        answer(pay.client, CITY, token, step_id, data)
    response = post(pay.client, f"/{CITY}/drafts/{token}/submit", page=f"/{CITY}/drafts/{token}/check")
    submission = pay.submission(location_path(response).split("/submissions/")[1].split("/")[0])
    checkout = pay.emulator.client().v1.checkout.sessions.retrieve(pay.checkout(submission))
    assert ("konbini" in checkout.payment_method_types) is konbini
    assert "card" in checkout.payment_method_types
