"""Idempotency-Key replay and mismatch handling."""

from __future__ import annotations

import pytest
import requests
import stripe


def test_same_key_same_params_replays(client, base_params, emulator) -> None:
    options = {"idempotency_key": "order-42-attempt-1"}
    first = client.v1.checkout.sessions.create(params=base_params(), options=options)
    again = client.v1.checkout.sessions.create(params=base_params(), options=options)
    assert again.id == first.id
    assert again.payment_intent == first.payment_intent
    assert len(client.v1.checkout.sessions.list().data) == 1


def test_replay_sets_header_and_identical_body(emulator) -> None:
    headers = {"Authorization": "Bearer sk_test_raw", "Idempotency-Key": "raw-key-1"}
    body = {
        "mode": "payment",
        "line_items[0][price_data][currency]": "jpy",
        "line_items[0][price_data][unit_amount]": "300",
        "line_items[0][price_data][product_data][name]": "手数料",
        "line_items[0][quantity]": "1",
        "success_url": "http://portal.test/ok",
    }
    first = requests.post(f"{emulator.base_url}/v1/checkout/sessions", data=body, headers=headers, timeout=5)
    second = requests.post(f"{emulator.base_url}/v1/checkout/sessions", data=body, headers=headers, timeout=5)
    assert first.status_code == second.status_code == 200
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["Original-Request"] == first.headers["Request-Id"]
    assert second.text == first.text


def test_same_key_different_params_is_idempotency_error(client, base_params) -> None:
    options = {"idempotency_key": "order-43"}
    client.v1.checkout.sessions.create(params=base_params(), options=options)
    with pytest.raises(stripe.IdempotencyError) as info:
        client.v1.checkout.sessions.create(params=base_params(client_reference_id="OTHER"), options=options)
    assert info.value.http_status == 400
    assert info.value.error.type == "idempotency_error"


def test_same_key_on_another_endpoint_is_rejected(client, base_params, emulator) -> None:
    session = client.v1.checkout.sessions.create(params=base_params(), options={"idempotency_key": "shared"})
    emulator.outcome(session.id, "card_success")
    with pytest.raises(stripe.IdempotencyError):
        client.v1.refunds.create(params={"payment_intent": session.payment_intent},
                                 options={"idempotency_key": "shared"})


def test_validation_failures_are_not_stored(client, base_params) -> None:
    options = {"idempotency_key": "fix-and-retry"}
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(params=base_params(mode="setup"), options=options)
    session = client.v1.checkout.sessions.create(params=base_params(), options=options)
    assert session.status == "open"


def test_refund_replay_does_not_refund_twice(client, make_session, emulator) -> None:
    session = make_session()
    emulator.outcome(session.id, "card_success")
    options = {"idempotency_key": "refund-once"}
    params = {"payment_intent": session.payment_intent, "amount": 100}
    first = client.v1.refunds.create(params=params, options=options)
    second = client.v1.refunds.create(params=params, options=options)
    assert first.id == second.id
    assert client.v1.charges.retrieve(first.charge).amount_refunded == 100


def test_concurrent_requests_with_one_key_create_one_session(client, base_params) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def create(_: int) -> str:
        return client.v1.checkout.sessions.create(params=base_params(), options={"idempotency_key": "double-click"}).id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = set(pool.map(create, range(8)))
    assert len(ids) == 1
    assert len(client.v1.checkout.sessions.list().data) == 1


def test_raw_expand_brackets(client, base_params, emulator) -> None:
    session = client.v1.checkout.sessions.create(params=base_params())
    response = requests.get(
        f"{emulator.base_url}/v1/checkout/sessions/{session.id}?expand[]=payment_intent",
        headers={"Authorization": "Bearer sk_test_raw"},
        timeout=5,
    )
    assert response.json()["payment_intent"]["object"] == "payment_intent"
