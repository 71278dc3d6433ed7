"""Fixtures: one emulator and one webhook receiver per test session.

The receiver verifies every delivery with the official
``stripe.Webhook.construct_event``, so a passing test proves the emulator's
signatures are exactly what the portal will see from Stripe.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import stripe

from devtools.stripe_emulator.testing import EmulatorHandle, run_in_thread

WEBHOOK_SECRET = "whsec_test_suite_secret"


class WebhookReceiver:
    """A tiny HTTP endpoint that records and verifies webhook deliveries."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self._lock = threading.Lock()
        self.events: list[stripe.Event] = []
        self.raw: list[dict[str, Any]] = []
        self.rejected: list[str] = []
        self.fail_next = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                header = self.headers.get("Stripe-Signature")
                with receiver._lock:
                    receiver.raw.append({"path": self.path, "signature": header, "body": body})
                    if receiver.fail_next > 0:
                        receiver.fail_next -= 1
                        self._answer(500)
                        return
                    try:
                        event = stripe.Webhook.construct_event(body, header, receiver.secret)
                    except (stripe.SignatureVerificationError, ValueError) as exc:
                        receiver.rejected.append(str(exc))
                        self._answer(400)
                        return
                    receiver.events.append(event)
                self._answer(200)

            def _answer(self, status: int) -> None:
                payload = json.dumps({"received": status == 200}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/stripe/webhook"

    def clear(self) -> None:
        with self._lock:
            self.events.clear()
            self.raw.clear()
            self.rejected.clear()
            self.fail_next = 0

    def types(self) -> list[str]:
        with self._lock:
            return [event.type for event in self.events]

    def of_type(self, event_type: str) -> list[stripe.Event]:
        with self._lock:
            return [event for event in self.events if event.type == event_type]

    def wait_until(self, predicate: Callable[[WebhookReceiver], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() > deadline:
                raise AssertionError(f"webhooks not received in time; got {self.types()}")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="session")
def receiver() -> WebhookReceiver:
    rec = WebhookReceiver(WEBHOOK_SECRET)
    yield rec
    rec.stop()


@pytest.fixture(scope="session")
def emulator(receiver: WebhookReceiver) -> EmulatorHandle:
    handle = run_in_thread(
        webhook_url=receiver.url,
        secret=WEBHOOK_SECRET,
        retry_delays=(0.05, 0.1, 0.2),
        tick_interval=0.2,
    )
    yield handle
    handle.stop()


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> None:
    # Only tests that use the shared emulator need it reset.
    if "emulator" not in request.fixturenames:
        yield
        return
    emulator: EmulatorHandle = request.getfixturevalue("emulator")
    receiver: WebhookReceiver = request.getfixturevalue("receiver")
    emulator.wait_for_webhooks(5)
    emulator.reset()
    emulator.set_webhook(receiver.url, WEBHOOK_SECRET, replace=True)
    receiver.clear()
    yield


@pytest.fixture
def client(emulator: EmulatorHandle) -> stripe.StripeClient:
    return emulator.client()


def session_params(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {"currency": "jpy", "unit_amount": 300, "product_data": {"name": "住民票の写し"}},
                "quantity": 2,
            },
            {
                "price_data": {"currency": "jpy", "unit_amount": 450, "product_data": {"name": "印鑑登録証明書"}},
                "quantity": 1,
            },
        ],
        "payment_method_types": ["card", "konbini", "paypay"],
        "payment_method_options": {"konbini": {"expires_after_days": 3}},
        "success_url": "http://portal.test/payments/done?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://portal.test/payments/cancel",
        "client_reference_id": "APP-2026-0001",
        "metadata": {"application_id": "42", "municipality": "131016"},
        "customer_email": "taro@example.jp",
    }
    params.update(overrides)
    return params


@pytest.fixture
def make_session(client: stripe.StripeClient) -> Callable[..., stripe.checkout.Session]:
    def factory(**overrides: Any) -> stripe.checkout.Session:
        return client.v1.checkout.sessions.create(params=session_params(**overrides))

    return factory


@pytest.fixture
def base_params() -> Callable[..., dict[str, Any]]:
    """The default session params as a factory, for raw-HTTP tests."""
    return session_params
