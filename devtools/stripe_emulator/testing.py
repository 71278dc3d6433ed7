"""Run the emulator inside a test process.

    handle = run_in_thread(webhook_url="http://127.0.0.1:5000/stripe/webhook")
    client = handle.client()            # stripe.StripeClient aimed at it
    session = client.v1.checkout.sessions.create(params={...})
    handle.outcome(session.id, "card_success")
    handle.wait_for_webhooks()
    handle.stop()

The helper methods go through the HTTP control endpoints, so they behave the
same as when the emulator runs as a separate process.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from werkzeug.serving import WSGIRequestHandler, make_server

from .app import Emulator, create_app
from .config import DEFAULT_WEBHOOK_SECRET, EmulatorConfig

DEFAULT_TEST_KEY = "sk_test_emulator"


class _QuietRequestHandler(WSGIRequestHandler):
    # Per-request access logs drown test output; errors still surface as
    # Stripe-shaped responses and through the delivery log.
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class EmulatorError(RuntimeError):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"emulator control call failed ({status}): {body}")
        self.status = status
        self.body = body


class EmulatorHandle:
    def __init__(self, emulator: Emulator, server: Any, thread: threading.Thread, host: str) -> None:
        self.emulator = emulator
        self._server = server
        self._thread = thread
        self.base_url = f"http://{host}:{server.port}"
        self._http = requests.Session()
        self._http.trust_env = False  # never route localhost calls via a proxy

    # --- lifecycle -----------------------------------------------------------

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.server_close()
        self.emulator.stop()
        self._http.close()

    def __enter__(self) -> EmulatorHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # --- SDK ---------------------------------------------------------------------

    def client(self, api_key: str = DEFAULT_TEST_KEY, **kwargs: Any):
        """A ``stripe.StripeClient`` whose API base is this emulator."""
        import stripe

        kwargs.setdefault("max_network_retries", 0)
        return stripe.StripeClient(api_key, base_addresses={"api": self.base_url}, **kwargs)

    # --- control endpoints ----------------------------------------------------------

    def control(self, method: str, path: str, **payload: Any) -> Any:
        response = self._http.request(method, f"{self.base_url}/_emulator{path}",
                                      json=payload if method != "GET" else None, timeout=70)
        body = response.json()
        if response.status_code >= 400:
            raise EmulatorError(response.status_code, body)
        return body

    def reset(self, *, keep_webhook_endpoints: bool = True) -> None:
        self.control("POST", "/reset", keep_webhook_endpoints=keep_webhook_endpoints)

    def outcome(self, session_id: str, outcome: str, *, store: str | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"outcome": outcome}
        if store:
            payload["store"] = store
        return self.control("POST", f"/checkout/{session_id}/outcome", **payload)

    def advance_clock(self, seconds: int = 0, *, days: int = 0, hours: int = 0, minutes: int = 0) -> dict[str, Any]:
        return self.control("POST", "/clock/advance", seconds=seconds, days=days, hours=hours, minutes=minutes)

    def pay_konbini(self, payment_intent: str, *, store: str | None = None) -> dict[str, Any]:
        return self.control("POST", f"/konbini/{payment_intent}/pay", **({"store": store} if store else {}))

    def settle_refund(self, refund_id: str, status: str = "succeeded") -> dict[str, Any]:
        return self.control("POST", f"/refunds/{refund_id}/settle", status=status)

    def dashboard_refund(self, payment_intent: str, amount: int | None = None, **extra: Any) -> dict[str, Any]:
        payload: dict[str, Any] = {"payment_intent": payment_intent, **extra}
        if amount is not None:
            payload["amount"] = amount
        return self.control("POST", "/dashboard_refund", **payload)

    def set_webhook(self, url: str, secret: str | None = None, *, replace: bool = True,
                    enabled_events: list[str] | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"url": url, "replace": replace}
        if secret:
            payload["secret"] = secret
        if enabled_events:
            payload["enabled_events"] = enabled_events
        return self.control("POST", "/webhooks/endpoints", **payload)

    def remove_webhooks(self) -> None:
        self.control("DELETE", "/webhooks/endpoints")

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        """drop=N, duplicate=N, hold=bool, reorder=bool, clear=bool."""
        return self.control("POST", "/webhooks/faults", **faults)

    def flush_webhooks(self, order: str | None = None) -> int:
        return self.control("POST", "/webhooks/flush", **({"order": order} if order else {}))["released"]

    def wait_for_webhooks(self, timeout: float = 10.0) -> bool:
        """True once nothing is queued, retrying or in flight (held excluded)."""
        return bool(self.control("POST", "/webhooks/wait", timeout=timeout)["idle"])

    def deliveries(self) -> list[dict[str, Any]]:
        return self.control("GET", "/webhooks/deliveries")["data"]

    def resend(self, event_id: str) -> dict[str, Any]:
        return self.control("POST", "/webhooks/resend", event=event_id)


def run_in_thread(
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    webhook_url: str | list[str] | None = None,
    secret: str = DEFAULT_WEBHOOK_SECRET,
    config: EmulatorConfig | None = None,
    quiet: bool = True,
    **config_overrides: Any,
) -> EmulatorHandle:
    """Start the emulator on ``host:port`` (0 = any free port) in a daemon thread."""
    if config is None:
        config = EmulatorConfig()
        config.webhook_secret = secret
        if webhook_url:
            config.webhook_urls = [webhook_url] if isinstance(webhook_url, str) else list(webhook_url)
    for key, value in config_overrides.items():
        if not hasattr(config, key):
            raise TypeError(f"unknown emulator setting: {key}")
        setattr(config, key, value)
    emulator = Emulator(config)
    app = create_app(emulator=emulator)
    server = make_server(host, port, app, threaded=True, request_handler=_QuietRequestHandler if quiet else None)
    thread = threading.Thread(target=server.serve_forever, name="stripe-emulator-http", daemon=True)
    thread.start()
    return EmulatorHandle(emulator, server, thread, host)
