"""Checkout Session flows through the official SDK, with verified webhooks."""

from __future__ import annotations

import pytest
import requests
import stripe

from devtools.stripe_emulator.testing import EmulatorError, run_in_thread


def test_create_session_shape(make_session, emulator) -> None:
    session = make_session()
    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert session.livemode is False
    assert isinstance(session.created, int)
    assert session.status == "open"
    assert session.payment_status == "unpaid"
    assert session.amount_total == 1050  # JPY is zero-decimal: 300*2 + 450
    assert session.currency == "jpy"
    assert session.mode == "payment"
    assert session.payment_method_types == ["card", "konbini", "paypay"]
    assert session.payment_method_options.konbini.expires_after_days == 3
    assert session.url == f"{emulator.base_url}/checkout/{session.id}"
    assert session.payment_intent.startswith("pi_")
    assert session.client_reference_id == "APP-2026-0001"
    assert session.metadata.to_dict() == {"application_id": "42", "municipality": "131016"}
    assert session.expires_at - session.created == 24 * 3600
    # The placeholder stays in the object; it is substituted on redirect.
    assert "{CHECKOUT_SESSION_ID}" in session.success_url


def test_card_success_emits_events_in_order(make_session, client, emulator, receiver) -> None:
    session = make_session()
    result = emulator.outcome(session.id, "card_success")
    assert result["redirect_url"] == f"http://portal.test/payments/done?session_id={session.id}"
    assert emulator.wait_for_webhooks()
    assert receiver.types() == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.completed",
    ]
    completed = receiver.of_type("checkout.session.completed")[0]
    assert completed.id.startswith("evt_")
    assert completed.data.object.id == session.id
    assert completed.data.object.payment_status == "paid"
    assert completed.data.object.status == "complete"
    assert completed.data.object.metadata["application_id"] == "42"
    assert completed.request.id is None  # customer actions carry no API request

    refreshed = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    pi = refreshed.payment_intent
    assert pi.object == "payment_intent" and pi.status == "succeeded"
    assert pi.amount_received == 1050
    assert pi.latest_charge.startswith("ch_")
    assert refreshed.url is None
    assert refreshed.customer_details.email == "taro@example.jp"
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.paid and charge.payment_method_details.type == "card"


def test_decline_then_retry(make_session, client, emulator, receiver) -> None:
    session = make_session(payment_method_types=["card"])
    declined = emulator.outcome(session.id, "card_declined")
    assert declined["decline"]["code"] == "card_declined"
    assert declined["session"]["status"] == "open"
    pi = client.v1.payment_intents.retrieve(session.payment_intent)
    assert pi.status == "requires_payment_method"
    assert pi.last_payment_error.code == "card_declined"
    assert pi.last_payment_error.decline_code == "generic_decline"

    emulator.outcome(session.id, "card_success")
    assert emulator.wait_for_webhooks()
    assert receiver.types() == [
        "payment_intent.created",
        "charge.failed",
        "payment_intent.payment_failed",
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.completed",
    ]
    pi = client.v1.payment_intents.retrieve(session.payment_intent)
    assert pi.status == "succeeded" and pi.last_payment_error is None


def test_paypay_success(make_session, client, emulator, receiver) -> None:
    session = make_session(payment_method_types=["paypay"], payment_method_options={})
    emulator.outcome(session.id, "paypay_success")
    assert emulator.wait_for_webhooks()
    completed = receiver.of_type("checkout.session.completed")[0]
    assert completed.data.object.payment_status == "paid"
    pi = client.v1.payment_intents.retrieve(session.payment_intent, params={"expand": ["latest_charge"]})
    assert pi.payment_method_types == ["paypay"]
    assert pi.latest_charge.payment_method_details.type == "paypay"


def test_outcome_must_match_allowed_methods(make_session, emulator) -> None:
    session = make_session(payment_method_types=["card"], payment_method_options={})
    with pytest.raises(EmulatorError) as info:
        emulator.outcome(session.id, "konbini_issued")
    assert info.value.status == 400


def test_konbini_issued_then_paid_after_clock_advance(make_session, client, emulator, receiver) -> None:
    session = make_session(payment_method_types=["konbini"])
    result = emulator.outcome(session.id, "konbini_issued", store="familymart")
    assert result["redirect_url"].endswith(session.id)
    assert emulator.wait_for_webhooks()
    completed = receiver.of_type("checkout.session.completed")[0]
    assert completed.data.object.payment_status == "unpaid"
    assert completed.data.object.status == "complete"

    pi = client.v1.payment_intents.retrieve(session.payment_intent)
    assert pi.status == "requires_action"
    details = pi.next_action.konbini_display_details
    assert pi.next_action.type == "konbini_display_details"
    assert details.hosted_voucher_url == f"{emulator.base_url}/voucher/{pi.id}"
    assert set(details.stores.to_dict()) == {"familymart", "lawson", "ministop", "seicomart"}
    assert details.expires_at > pi.created + 2 * 86400

    emulator.advance_clock(days=1)
    emulator.pay_konbini(pi.id)
    assert emulator.wait_for_webhooks()
    assert receiver.types()[-3:] == [
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.async_payment_succeeded",
    ]
    assert receiver.of_type("checkout.session.async_payment_succeeded")[0].data.object.payment_status == "paid"
    pi = client.v1.payment_intents.retrieve(pi.id, params={"expand": ["latest_charge"]})
    assert pi.status == "succeeded" and pi.next_action is None
    assert pi.latest_charge.payment_method_details.konbini.store.chain == "familymart"
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"


def test_konbini_voucher_lapses(make_session, client, emulator, receiver) -> None:
    session = make_session(payment_method_types=["konbini"],
                           payment_method_options={"konbini": {"expires_after_days": 1}})
    emulator.outcome(session.id, "konbini_issued")
    advanced = emulator.advance_clock(days=3)
    assert {"action": "konbini_expired", "id": session.payment_intent} == {
        k: advanced["processed"][0][k] for k in ("action", "id")
    }
    assert emulator.wait_for_webhooks()
    assert receiver.types()[-2:] == ["payment_intent.payment_failed", "checkout.session.async_payment_failed"]
    pi = client.v1.payment_intents.retrieve(session.payment_intent)
    assert pi.status == "requires_payment_method"
    assert pi.last_payment_error.code == "payment_intent_payment_attempt_expired"
    refreshed = client.v1.checkout.sessions.retrieve(session.id)
    assert (refreshed.status, refreshed.payment_status) == ("complete", "unpaid")
    with pytest.raises(EmulatorError):
        emulator.pay_konbini(pi.id)


def test_expire_session_via_api(make_session, client, emulator, receiver) -> None:
    session = make_session()
    expired = client.v1.checkout.sessions.expire(session.id)
    assert expired.status == "expired" and expired.url is None
    assert emulator.wait_for_webhooks()
    assert receiver.types()[-2:] == ["payment_intent.canceled", "checkout.session.expired"]
    assert receiver.of_type("checkout.session.expired")[0].request.id.startswith("req_")
    assert client.v1.payment_intents.retrieve(session.payment_intent).status == "canceled"
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.checkout.sessions.expire(session.id)
    assert info.value.http_status == 400
    with pytest.raises(EmulatorError):
        emulator.outcome(session.id, "card_success")


def test_session_expires_when_clock_passes_expires_at(make_session, client, emulator, receiver) -> None:
    now = emulator.control("GET", "/clock")["now"]
    session = make_session(expires_at=now + 1800)
    emulator.advance_clock(minutes=29)
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    emulator.advance_clock(minutes=2)
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    assert emulator.wait_for_webhooks()
    assert receiver.types()[-1] == "checkout.session.expired"


def test_list_sessions_with_filters(make_session, client, emulator) -> None:
    first = make_session()
    second = make_session()
    emulator.outcome(second.id, "card_success")
    by_pi = client.v1.checkout.sessions.list(params={"payment_intent": first.payment_intent})
    assert by_pi.object == "list" and by_pi.url == "/v1/checkout/sessions"
    assert [s.id for s in by_pi.data] == [first.id]
    complete = client.v1.checkout.sessions.list(params={"status": "complete"})
    assert [s.id for s in complete.data] == [second.id]
    newest = client.v1.checkout.sessions.list(params={"limit": 1, "expand": ["data.payment_intent"]})
    assert newest.has_more is True
    assert newest.data[0].id == second.id and newest.data[0].payment_intent.status == "succeeded"


def test_line_items_endpoint(make_session, client) -> None:
    session = make_session()
    items = client.v1.checkout.sessions.line_items.list(session.id)
    assert [(i.description, i.quantity, i.amount_total) for i in items.data] == [
        ("住民票の写し", 2, 600),
        ("印鑑登録証明書", 1, 450),
    ]
    assert items.data[0].price.unit_amount == 300 and items.data[0].object == "item"


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"line_items": None}, "line_items"),
        ({"payment_method_options": {"konbini": {"expires_after_days": 61}}},
         "payment_method_options[konbini][expires_after_days]"),
        ({"payment_method_types": ["card", "alipay"]}, "payment_method_types[1]"),
        ({"mode": "subscription"}, "mode"),
        ({"success_url": "not a url"}, "success_url"),
        ({"bogus_param": "1"}, "bogus_param"),
        (
            {"line_items": [{"price_data": {"currency": "usd", "unit_amount": 300, "product_data": {"name": "x"}},
                             "quantity": 1}]},
            "line_items[0][price_data][currency]",
        ),
        ({"line_items": [{"price_data": {"currency": "jpy", "unit_amount": 300}, "quantity": 1}]},
         "line_items[0][price_data][product_data][name]"),
    ],
)
def test_invalid_session_params(client, base_params, overrides, param) -> None:
    params = {k: v for k, v in base_params(**overrides).items() if v is not None}
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.checkout.sessions.create(params=params)
    assert info.value.http_status == 400
    assert info.value.param == param


def test_konbini_amount_limits(client, base_params) -> None:
    cheap = [{"price_data": {"currency": "jpy", "unit_amount": 100, "product_data": {"name": "x"}}, "quantity": 1}]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(params=base_params(line_items=cheap))
    # The same amount is fine for card-only sessions (card minimum is ¥50).
    session = client.v1.checkout.sessions.create(params=base_params(line_items=cheap, payment_method_types=["card"],
                                                                    payment_method_options={}))
    assert session.amount_total == 100


def test_unknown_ids_are_404(client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.checkout.sessions.retrieve("cs_test_nope")
    assert info.value.http_status == 404
    assert info.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.retrieve("pi_nope")


def test_authentication(emulator, base_params) -> None:
    response = requests.get(f"{emulator.base_url}/v1/checkout/sessions", timeout=5)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and "API key" in error["message"]
    # Basic auth as used by `curl -u sk_test_xxx:` works.
    assert requests.get(f"{emulator.base_url}/v1/events", auth=("sk_test_curl", ""), timeout=5).status_code == 200
    with pytest.raises(stripe.AuthenticationError):
        emulator.client(api_key="sk_" + "live_notallowed").v1.checkout.sessions.create(params=base_params())


def test_unknown_route_is_stripe_json(emulator) -> None:
    response = requests.get(f"{emulator.base_url}/v1/customers_nope", headers={"Authorization": "Bearer sk_test_x"},
                            timeout=5)
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_deferred_payment_intent_mode(receiver, base_params) -> None:
    # Mirrors Stripe API >= 2022-08-01: no PaymentIntent until the customer pays.
    with run_in_thread(deferred_payment_intent=True, tick_interval=0) as handle:
        client = handle.client()
        session = client.v1.checkout.sessions.create(params=base_params())
        assert session.payment_intent is None
        handle.outcome(session.id, "card_success")
        refreshed = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
        assert refreshed.payment_intent.status == "succeeded"


def test_global_sdk_configuration(monkeypatch, emulator, base_params) -> None:
    # The module-level style: stripe.api_key + stripe.api_base.
    monkeypatch.setattr(stripe, "api_key", "sk_test_global")
    monkeypatch.setattr(stripe, "api_base", emulator.base_url)
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    session = stripe.checkout.Session.create(**base_params())
    assert stripe.checkout.Session.retrieve(session.id).status == "open"
    emulator.outcome(session.id, "card_success")
    refund = stripe.Refund.create(payment_intent=session.payment_intent, amount=50)
    assert stripe.Charge.retrieve(refund.charge).amount_refunded == 50
