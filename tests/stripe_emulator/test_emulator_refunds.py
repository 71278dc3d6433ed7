"""Refunds via the SDK and the dashboard simulation."""

from __future__ import annotations

import pytest
import requests
import stripe

from devtools.stripe_emulator.testing import EmulatorError


@pytest.fixture
def paid_session(make_session, emulator):
    session = make_session()
    emulator.outcome(session.id, "card_success")
    return session


def test_full_refund(paid_session, client, emulator, receiver) -> None:
    refund = client.v1.refunds.create(
        params={"payment_intent": paid_session.payment_intent, "reason": "requested_by_customer",
                "metadata": {"case": "A-1"}}
    )
    assert refund.id.startswith("re_") and refund.object == "refund"
    assert (refund.amount, refund.status, refund.currency) == (1050, "succeeded", "jpy")
    assert refund.reason == "requested_by_customer" and refund.metadata["case"] == "A-1"
    assert refund.payment_intent == paid_session.payment_intent

    charge = client.v1.charges.retrieve(refund.charge)
    assert charge.amount_refunded == 1050 and charge.refunded is True

    assert emulator.wait_for_webhooks()
    assert receiver.types()[-2:] == ["refund.created", "charge.refunded"]
    refunded = receiver.of_type("charge.refunded")[0]
    assert refunded.data.object.amount_refunded == 1050
    assert refunded.data.previous_attributes.amount_refunded == 0
    assert refunded.request.id.startswith("req_") and refunded.request.idempotency_key

    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.refunds.create(params={"payment_intent": paid_session.payment_intent})
    assert info.value.code == "charge_already_refunded"


def test_partial_refunds_and_over_refund(paid_session, client, emulator) -> None:
    first = client.v1.refunds.create(params={"payment_intent": paid_session.payment_intent, "amount": 300})
    second = client.v1.refunds.create(params={"charge": first.charge, "amount": 450})
    charge = client.v1.charges.retrieve(first.charge)
    assert charge.amount_refunded == 750 and charge.refunded is False

    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.refunds.create(params={"payment_intent": paid_session.payment_intent, "amount": 301})
    assert info.value.http_status == 400
    assert info.value.code == "amount_too_large"
    assert info.value.param == "amount"
    assert "¥300" in info.value.user_message

    # The raw error has Stripe's shape.
    raw = requests.post(
        f"{emulator.base_url}/v1/refunds",
        data={"payment_intent": paid_session.payment_intent, "amount": "999"},
        headers={"Authorization": "Bearer sk_test_raw"},
        timeout=5,
    )
    assert raw.status_code == 400
    error = raw.json()["error"]
    assert error["type"] == "invalid_request_error" and error["code"] == "amount_too_large" and error["message"]

    listed = client.v1.refunds.list(params={"payment_intent": paid_session.payment_intent})
    assert [r.id for r in listed.data] == [second.id, first.id]
    assert client.v1.refunds.retrieve(first.id).amount == 300


def test_refund_requires_a_successful_charge(make_session, client) -> None:
    session = make_session()
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.refunds.create(params={"payment_intent": session.payment_intent})
    assert info.value.code == "payment_intent_unexpected_state"
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.refunds.create(params={"payment_intent": "pi_missing"})
    assert info.value.http_status == 400 and info.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={})


def test_dashboard_refund_emits_charge_refunded(paid_session, client, emulator, receiver) -> None:
    refund = emulator.dashboard_refund(paid_session.payment_intent, amount=200)
    assert refund["amount"] == 200 and refund["status"] == "succeeded"
    assert emulator.wait_for_webhooks()
    event = receiver.of_type("charge.refunded")[0]
    assert event.data.object.amount_refunded == 200
    assert event.request.idempotency_key is None
    assert [r.id for r in client.v1.refunds.list(params={"payment_intent": paid_session.payment_intent}).data] == \
        [refund["id"]]


def test_konbini_refund_waits_for_bank_details(make_session, client, emulator, receiver) -> None:
    session = make_session(payment_method_types=["konbini"])
    emulator.outcome(session.id, "konbini_issued")
    emulator.pay_konbini(session.payment_intent)
    refund = client.v1.refunds.create(params={"payment_intent": session.payment_intent})
    assert refund.status == "requires_action"
    assert refund.next_action.display_details.email_sent.email_sent_to == "taro@example.jp"

    settled = emulator.settle_refund(refund.id, "succeeded")
    assert settled["status"] == "succeeded"
    assert emulator.wait_for_webhooks()
    updated = receiver.of_type("refund.updated")[0]
    assert updated.data.object.status == "succeeded"
    assert updated.data.previous_attributes.status == "requires_action"


def test_failed_refund_restores_charge(paid_session, client, emulator, receiver) -> None:
    refund = client.v1.refunds.create(params={"payment_intent": paid_session.payment_intent, "amount": 500})
    emulator.settle_refund(refund.id, "failed")
    assert client.v1.charges.retrieve(refund.charge).amount_refunded == 0
    assert client.v1.refunds.retrieve(refund.id).status == "failed"
    assert emulator.wait_for_webhooks()
    assert receiver.types()[-2:] == ["refund.updated", "refund.failed"]
    with pytest.raises(EmulatorError):
        emulator.settle_refund(refund.id, "succeeded")
