"""Wiring: the Emulator service object and the Flask application factory."""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from . import objects
from .config import EmulatorConfig
from .errors import StripeAPIError
from .events import EventRecorder
from .payments import Payments
from .store import Store
from .webhooks import WebhookDispatcher

log = logging.getLogger(__name__)


class Emulator:
    """Owns state, the webhook dispatcher and the background clock ticker."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.store = Store(self.config.state_file)
        self.dispatcher = WebhookDispatcher(self.config.retry_delays, self.config.delivery_timeout)
        self.events = EventRecorder(self.store, self.dispatcher, self.config.api_version)
        self.payments = Payments(self.store, self.events, self.config)
        for url in self.config.webhook_urls:
            self.add_webhook_endpoint(url, self.config.webhook_secret, ["*"], replace=False)
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------

    def start(self) -> None:
        self.dispatcher.start()
        if self._ticker is None and self.config.tick_interval > 0:
            self._ticker = threading.Thread(target=self._tick, name="stripe-emulator-clock", daemon=True)
            self._ticker.start()

    def stop(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
            self._ticker = None
        self.dispatcher.stop()

    def _tick(self) -> None:
        # Session expiry and voucher lapses must fire webhooks even when no
        # one calls the API, just like Stripe's own schedulers.
        while not self._stop.wait(self.config.tick_interval):
            try:
                self.payments.process_due()
            except Exception:  # pragma: no cover - keep the ticker alive
                log.exception("stripe emulator: processing due work failed")

    def reset(self, *, keep_webhook_endpoints: bool = True) -> None:
        with self.store.transaction():
            self.store.reset(keep_webhook_endpoints=keep_webhook_endpoints)
            self.dispatcher.clear()

    # --- helpers used by the blueprints ------------------------------------------

    def public_base(self) -> str:
        return (self.config.public_url or request.host_url).rstrip("/")

    def add_webhook_endpoint(self, url: str, secret: str, enabled_events: list[str], *,
                             replace: bool) -> dict[str, Any]:
        with self.store.transaction():
            if replace:
                self.store.webhook_endpoints.clear()
            for endpoint in self.store.webhook_endpoints:
                if endpoint["url"] == url:
                    endpoint.update(secret=secret, enabled_events=enabled_events)
                    return dict(endpoint)
            endpoint = {
                "id": objects.new_id("we_"),
                "object": "webhook_endpoint",
                "url": url,
                "secret": secret,
                "enabled_events": enabled_events,
                "status": "enabled",
            }
            self.store.webhook_endpoints.append(endpoint)
            return dict(endpoint)

    def remove_webhook_endpoints(self, endpoint_id: str | None) -> bool:
        with self.store.transaction():
            before = len(self.store.webhook_endpoints)
            if endpoint_id is None:
                self.store.webhook_endpoints.clear()
            else:
                self.store.webhook_endpoints[:] = [ep for ep in self.store.webhook_endpoints if ep["id"] != endpoint_id]
            return len(self.store.webhook_endpoints) != before


def create_app(config: EmulatorConfig | None = None, *, emulator: Emulator | None = None, start: bool = True) -> Flask:
    from . import api, checkout_page, controls

    emu = emulator or Emulator(config)
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["stripe_emulator"] = emu
    app.register_blueprint(api.bp)
    app.register_blueprint(controls.bp)
    app.register_blueprint(checkout_page.bp)

    @app.get("/")
    def index() -> Response:
        return jsonify(
            {
                "name": "stripe-emulator",
                "api_base": request.host_url.rstrip("/"),
                "controls": "/_emulator",
                "webhook_endpoints": len(emu.store.webhook_endpoints),
            }
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # Unknown /v1 routes get Stripe's JSON error so the SDK raises
        # InvalidRequestError instead of choking on an HTML page.
        if request.path.startswith("/v1/") and exc.code in (404, 405):
            error = StripeAPIError(
                404,
                f"Unrecognized request URL ({request.method}: {request.path}). "
                "Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
            )
            return api.json_response(error.to_body(), 404)
        return exc

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        if isinstance(exc, HTTPException):
            return exc
        log.exception("stripe emulator: unhandled error")
        if request.path.startswith("/v1/"):
            error = StripeAPIError(500, f"Emulator error: {type(exc).__name__}: {exc}", type="api_error")
            return api.json_response(error.to_body(), 500)
        return jsonify({"error": {"type": "api_error", "message": str(exc)}}), 500

    if start:
        emu.start()
    return app
