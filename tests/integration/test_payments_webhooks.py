"""The webhook: signatures, and idempotency — duplicated, replayed, out-of-order and lost deliveries
change nothing twice and lose nothing."""
from __future__ import annotations

import hashlib
import hmac
import json
import time

from sqlalchemy import func, select

from portal.notifications.models import OutboxEmail
from portal.payments import reconcile, service
from portal.payments.gateway import gateway
from portal.payments.models import PaymentTransition, ProcessedEvent
from tests.integration.payments_env import WEBHOOK_SECRET

WEBHOOK = "/payments/stripe/webhook"


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    at = at or int(time.time())
    digest = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def events(pay, type_: str) -> list[dict]:
    return [e.to_dict() for e in pay.emulator.client().v1.events.list(params={"type": type_, "limit": 100}).data]


def deliver(pay, event: dict, secret: str = WEBHOOK_SECRET, header: str | None = None):
    payload = json.dumps(event).encode()
    return pay.client.post(WEBHOOK, data=payload, content_type="application/json",
                           headers={"Stripe-Signature": header if header is not None else sign(payload, secret)})


def count(pay, model) -> int:
    pay.fresh()
    return pay.db.scalar(select(func.count()).select_from(model))


def paid_by_card(pay, follow=False):
    pay.resident()
    submission = pay.submit_juminhyo()
    session_id = pay.checkout(submission)
    result = pay.outcome(session_id, "card_success")
    if follow:
        pay.follow(result["redirect_url"])
    pay.wait()
    return submission, session_id


def test_forged_or_missing_signatures_are_rejected(pay):
    submission, _ = paid_by_card(pay)
    event = events(pay, "checkout.session.completed")[0]
    before = count(pay, ProcessedEvent)
    assert deliver(pay, event, secret="whsec_somebody_else").status_code == 400
    assert deliver(pay, event, header="").status_code == 400
    assert deliver(pay, event, header="t=1,v1=deadbeef").status_code == 400
    stale = json.dumps(event).encode()
    assert deliver(pay, event, header=sign(stale, at=int(time.time()) - 3600)).status_code == 400
    tampered = {**event, "data": {"object": {**event["data"]["object"], "amount_total": 1}}}
    payload = json.dumps(event).encode()
    assert pay.client.post(WEBHOOK, data=json.dumps(tampered).encode(), content_type="application/json",
                           headers={"Stripe-Signature": sign(payload)}).status_code == 400
    assert count(pay, ProcessedEvent) == before
    # The endpoint needs no CSRF token (Stripe has none) but nothing else gets through either.
    assert pay.client.post(WEBHOOK, data=b"{}", content_type="application/json").status_code == 400


def test_a_signature_dated_in_the_future_is_rejected(pay):
    """Stripe's SDK only refuses old timestamps: one dated ahead would be replayable until then."""
    paid_by_card(pay)
    event = events(pay, "checkout.session.completed")[0]
    payload = json.dumps(event).encode()
    before = count(pay, ProcessedEvent)
    for ahead in (3600, 301):
        response = pay.client.post(WEBHOOK, data=payload, content_type="application/json",
                                   headers={"Stripe-Signature": sign(payload, at=int(time.time()) + ahead)})
        assert response.status_code == 400, ahead
    assert count(pay, ProcessedEvent) == before
    # A few seconds of clock skew is normal and accepted.
    response = pay.client.post(WEBHOOK, data=payload, content_type="application/json",
                               headers={"Stripe-Signature": sign(payload, at=int(time.time()) + 30)})
    assert response.status_code == 200


def test_a_replayed_event_changes_nothing(pay, mail_sink):
    submission, _ = paid_by_card(pay)
    payment = pay.payment(submission)
    transitions = count(pay, PaymentTransition)
    processed = count(pay, ProcessedEvent)
    emails = count(pay, OutboxEmail)
    completed = events(pay, "checkout.session.completed")[0]
    response = deliver(pay, completed)  # an attacker or Stripe replaying a captured, validly signed event
    assert response.status_code == 200 and response.get_json()["outcome"] == "duplicate"
    pay.emulator.resend(completed["id"])  # Stripe's own resend
    pay.wait()
    assert (count(pay, PaymentTransition), count(pay, ProcessedEvent), count(pay, OutboxEmail)) == (
        transitions, processed, emails)
    assert pay.payment(submission).lock_version == payment.lock_version


def test_duplicated_deliveries_are_applied_once(pay):
    pay.emulator.set_faults(duplicate=10)
    submission, _ = paid_by_card(pay)
    payment = pay.payment(submission)
    assert [t.to_status for t in payment.transitions].count("paid") == 1
    delivered = [d for d in pay.emulator.deliveries()
                 if d["type"] == "checkout.session.completed" and d["status"] == "delivered"]
    assert len(delivered) == 2 and delivered[0]["event"] == delivered[1]["event"]
    # one ProcessedEvent row per distinct event, however often it came
    assert count(pay, ProcessedEvent) == pay.db.scalar(select(func.count(func.distinct(ProcessedEvent.event_id))))
    assert count(pay, OutboxEmail) == 2  # the submission's confirmation and one payment email


def test_the_same_event_at_the_same_moment_is_applied_once(pay):
    from tests.integration.payments_env import concurrently

    pay.emulator.set_faults(hold=True)
    pay.resident()
    submission = pay.submit_juminhyo()
    pay.outcome(pay.checkout(submission), "card_success")
    completed = events(pay, "checkout.session.completed")[0]
    payload = json.dumps(completed).encode()
    clients = [pay.app.test_client() for _ in range(4)]
    responses = concurrently(*[(lambda c=c: c.post(WEBHOOK, data=payload, content_type="application/json",
                                                    headers={"Stripe-Signature": sign(payload)}))
                               for c in clients])
    assert all(r.status_code == 200 for r in responses), [r.status_code for r in responses]
    outcomes = sorted(r.get_json()["outcome"] for r in responses)
    assert outcomes.count("processed") == 1 and outcomes.count("duplicate") == 3
    payment = pay.payment(submission)
    assert payment.status == "paid" and [t.to_status for t in payment.transitions].count("paid") == 1
    pay.emulator.set_faults(clear=True)


def test_out_of_order_delivery_ends_in_the_right_state(pay):
    pay.emulator.set_faults(reorder=True)
    pay.resident()
    submission = pay.submit_juminhyo()
    session_id = pay.checkout(submission)
    pay.outcome(session_id, "konbini_issued")
    pay.emulator.advance_clock(days=1)
    payment = pay.payment(submission)
    pi = pay.emulator.client().v1.checkout.sessions.retrieve(session_id).payment_intent
    pay.emulator.pay_konbini(pi)
    assert pay.payment(submission).status == "open"  # nothing delivered yet
    # newest first: async_payment_succeeded arrives before checkout.session.completed(unpaid)
    assert pay.emulator.flush_webhooks(order="reverse") >= 2
    pay.wait()
    payment = pay.payment(submission)
    assert payment.status == "paid" and payment.method == "konbini"
    # the late "completed (unpaid)" did not drag it back to processing
    assert [t.to_status for t in payment.transitions] == ["created", "open", "paid"]


def test_a_lost_webhook_is_caught_by_reconciliation(pay):
    pay.emulator.set_faults(drop=50)
    pay.resident()
    submission = pay.submit_juminhyo()
    pay.outcome(pay.checkout(submission), "card_success")  # the resident closes the browser too
    pay.wait()
    assert pay.payment(submission).status == "open"
    report = reconcile.run(pay.db, gateway(pay.app))
    assert report.changed == 1 and not report.errors
    payment = pay.payment(submission)
    assert payment.status == "paid" and payment.transitions[-1].source == "reconciliation"
    # running it again changes nothing
    again = reconcile.run(pay.db, gateway(pay.app))
    assert again.changed == 0 and pay.payment(submission).lock_version == payment.lock_version


def test_the_reconcile_command(pay):
    pay.emulator.set_faults(drop=50)
    pay.resident()
    submission = pay.submit_juminhyo()
    pay.outcome(pay.checkout(submission), "paypay_success")
    pay.wait()
    result = pay.app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "changed 1" in result.output
    assert pay.payment(submission).status == "paid"
    subjects = pay.db.scalars(select(OutboxEmail.subject)).all()
    assert any("手数料のお支払いを確認しました" in subject for subject in subjects), subjects
    result = pay.app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert "changed 0" in result.output


def test_a_webhook_answers_503_when_stripe_cannot_be_asked_and_the_retry_applies_it(pay):
    pay.emulator.set_faults(hold=True)
    pay.resident()
    submission = pay.submit_juminhyo()
    pay.outcome(pay.checkout(submission), "card_success")
    completed = events(pay, "checkout.session.completed")[0]
    gw = gateway(pay.app)
    real = gw.retrieve_checkout

    def down(_session_id):
        from portal.payments.gateway import GatewayError

        raise GatewayError("connection refused", transient=True)

    gw.retrieve_checkout = down
    try:
        assert deliver(pay, completed).status_code == 503
    finally:
        gw.retrieve_checkout = real
    assert count(pay, ProcessedEvent) == 0 and pay.payment(submission).status == "open"
    assert deliver(pay, completed).get_json()["outcome"] == "processed"
    assert pay.payment(submission).status == "paid"
    pay.emulator.set_faults(clear=True)


def test_events_for_sessions_we_do_not_know_are_acknowledged(pay):
    client = pay.emulator.client()
    session = client.v1.checkout.sessions.create(params={
        "mode": "payment", "success_url": "http://example.test/ok",
        "line_items": [{"price_data": {"currency": "jpy", "unit_amount": 500, "product_data": {"name": "x"}},
                        "quantity": 1}]})
    pay.outcome(session.id, "card_success")
    pay.wait()
    assert all(d.get("status") != "failed" for d in pay.emulator.deliveries())
    assert service.HANDLED_EVENTS >= {"checkout.session.completed", "charge.refunded"}


HUGE_ID = "99999999999999999999"


def test_validly_signed_bodies_of_odd_shape_get_a_4xx_or_are_ignored(pay):
    """A signature says who sent a body, not that every field is there: nothing in it may cause a 500."""
    submission, _ = paid_by_card(pay)
    unreadable = [b"[]", b"null", b'"text"', b"\xff\xfe", b"{}", b'{"id": "evt_odd_1", "type": "x"}',
                  json.dumps({"id": "evt_odd_2", "type": "checkout.session.completed", "data": "x"}).encode(),
                  json.dumps({"id": "evt_odd_3", "type": "checkout.session.completed",
                              "data": {"object": "x"}}).encode(),
                  json.dumps({"id": ["evt"], "type": "checkout.session.completed", "data": {"object": {}}}).encode(),
                  json.dumps({"id": "e" * 300, "type": "checkout.session.completed", "data": {"object": {}}}).encode()]
    for payload in unreadable:
        response = pay.client.post(WEBHOOK, data=payload, content_type="application/json",
                                   headers={"Stripe-Signature": sign(payload)})
        assert response.status_code == 400, payload
    objects = [{}, {"id": ["cs_x"], "metadata": "oops"}, {"id": None, "metadata": {"portal_payment_id": HUGE_ID}},
               {"metadata": {"portal_payment_id": 5}}, {"metadata": {"portal_payment_id": "²"}},
               {"metadata": {"portal_payment_id": {"a": 1}}}, {"metadata": ["portal_payment_id"]}]
    kinds = ["checkout.session.completed", "checkout.session.expired"]
    odd = [{"type": kind, "data": {"object": obj}} for kind in kinds for obj in objects]
    odd += [{"type": "charge.refunded", "data": {"object": {"object": "charge", "payment_intent": value}}}
            for value in ({"id": "pi"}, ["pi"], 7, "", "p" * 1000)]
    for number, event in enumerate(odd):
        response = deliver(pay, {"id": f"evt_odd_shape_{number}", **event})
        assert response.status_code == 200 and response.get_json()["outcome"] == "ignored", event
    assert pay.payment(submission).status == "paid"
