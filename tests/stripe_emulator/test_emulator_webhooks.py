"""Webhook signing, retries and fault modes."""

from __future__ import annotations

import time

import stripe


def paid(make_session, emulator):
    session = make_session(payment_method_types=["card"], payment_method_options={})
    emulator.outcome(session.id, "card_success")
    return session


def test_every_delivery_is_signed_like_stripe(make_session, emulator, receiver) -> None:
    paid(make_session, emulator)
    assert emulator.wait_for_webhooks()
    assert receiver.rejected == []
    assert len(receiver.events) == 4
    header = receiver.raw[0]["signature"]
    parts = dict(part.split("=", 1) for part in header.split(","))
    assert set(parts) == {"t", "v1"}
    assert abs(int(parts["t"]) - time.time()) < 60
    # Same payload, verified independently of the receiver.
    assert stripe.WebhookSignature.verify_header(receiver.raw[0]["body"], header, "whsec_test_suite_secret",
                                                 tolerance=300)


def test_signature_uses_real_time_after_clock_advance(make_session, emulator, receiver) -> None:
    emulator.advance_clock(days=10)
    paid(make_session, emulator)
    assert emulator.wait_for_webhooks()
    # construct_event's 5-minute tolerance would reject emulated timestamps.
    assert receiver.rejected == [] and len(receiver.events) == 4
    assert receiver.events[-1].created > time.time() + 9 * 86400


def test_retries_after_failures(make_session, emulator, receiver) -> None:
    receiver.fail_next = 2
    paid(make_session, emulator)
    assert emulator.wait_for_webhooks()
    # Retried events arrive after later ones, as with real Stripe.
    assert receiver.types() == \
        ["payment_intent.succeeded", "checkout.session.completed", "payment_intent.created", "charge.succeeded"]
    assert len(receiver.events) == 4
    statuses = [d["status"] for d in emulator.deliveries()]
    assert statuses.count("retrying") == 2
    assert statuses.count("delivered") == 4


def test_wrong_secret_fails_after_retries(make_session, emulator, receiver) -> None:
    emulator.set_webhook(receiver.url, "whsec_wrong", replace=True)
    session = make_session()
    emulator.outcome(session.id, "card_declined")
    assert emulator.wait_for_webhooks()
    assert receiver.events == []
    assert len(receiver.rejected) == 3 * 4  # 3 events x (1 attempt + 3 retries)
    log = emulator.deliveries()
    assert [d["status"] for d in log].count("failed") == 3
    assert {d["http_status"] for d in log} == {400}


def test_drop_next_events(make_session, client, emulator, receiver) -> None:
    emulator.set_faults(drop=2)
    session = paid(make_session, emulator)
    assert emulator.wait_for_webhooks()
    assert receiver.types() == ["payment_intent.succeeded", "checkout.session.completed"]
    # Dropped events are still listed, so the portal can reconcile.
    listed = client.v1.events.list(params={"type": "charge.succeeded"})
    assert listed.data[0].data.object.payment_intent == session.payment_intent
    assert [d["status"] for d in emulator.deliveries()].count("dropped") == 2


def test_duplicate_delivery(make_session, emulator, receiver) -> None:
    emulator.set_faults(duplicate=1)
    paid(make_session, emulator)
    assert emulator.wait_for_webhooks()
    ids = [event.id for event in receiver.events]
    assert len(ids) == 5 and len(set(ids)) == 4
    assert ids[0] == ids[1]  # payment_intent.created arrived twice


def test_hold_until_flush(make_session, emulator, receiver) -> None:
    emulator.set_faults(hold=True)
    paid(make_session, emulator)
    assert emulator.wait_for_webhooks()
    assert receiver.events == []
    assert emulator.flush_webhooks() == 4
    assert emulator.wait_for_webhooks()
    assert receiver.types() == \
        ["payment_intent.created", "charge.succeeded", "payment_intent.succeeded", "checkout.session.completed"]


def test_reorder_delivers_held_in_reverse(make_session, emulator, receiver) -> None:
    emulator.set_faults(reorder=True)
    paid(make_session, emulator)
    assert emulator.flush_webhooks() == 4
    assert emulator.wait_for_webhooks()
    assert receiver.types() == \
        ["checkout.session.completed", "payment_intent.succeeded", "charge.succeeded", "payment_intent.created"]
    # Faults are one-shot: the next events flow normally.
    assert emulator.control("GET", "/webhooks/faults") == {"drop": 0, "duplicate": 0, "hold": False, "reorder": False}


def test_enabled_events_filter_and_runtime_endpoints(make_session, emulator, receiver) -> None:
    endpoint = emulator.set_webhook(receiver.url, replace=True, enabled_events=["checkout.session.*"])
    assert endpoint["id"].startswith("we_")
    # Without a secret, the endpoint gets the one configured at start.
    assert endpoint["secret"] == "whsec_test_suite_secret"
    paid(make_session, emulator)
    assert emulator.wait_for_webhooks()
    assert receiver.types() == ["checkout.session.completed"]
    emulator.remove_webhooks()
    assert emulator.control("GET", "/webhooks/endpoints")["data"] == []


def test_resend_event(make_session, client, emulator, receiver) -> None:
    paid(make_session, emulator)
    assert emulator.wait_for_webhooks()
    completed = receiver.of_type("checkout.session.completed")[0]
    emulator.resend(completed.id)
    assert emulator.wait_for_webhooks()
    assert [e.id for e in receiver.of_type("checkout.session.completed")] == [completed.id, completed.id]


def test_pending_webhooks_counts_endpoints(make_session, client, emulator) -> None:
    paid(make_session, emulator)
    event = client.v1.events.list(params={"limit": 1}).data[0]
    assert event.pending_webhooks == 1
