"""Test-control endpoints under ``/_emulator`` (not part of Stripe's API).

They let tests and developers play the customer, the convenience store, the
bank, the Stripe dashboard and an unreliable network. Bodies may be JSON or
form-encoded; answers are JSON. No API key is needed.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from . import objects
from .errors import StripeAPIError, invalid_param, missing_param
from .forms import decode_request, get_bool, get_int, get_list, get_str

bp = Blueprint("stripe_emulator_controls", __name__, url_prefix="/_emulator")


def emulator():
    return current_app.extensions["stripe_emulator"]


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if isinstance(data, dict):
        return {**decode_request(request.args, None), **data}
    return decode_request(request.args, request.form)


@bp.errorhandler(StripeAPIError)
def handle_error(exc: StripeAPIError) -> tuple[Response, int]:
    return jsonify(exc.to_body()), exc.status


@bp.get("")
@bp.get("/")
def index() -> Response:
    return jsonify(
        {
            "endpoints": [
                "GET  /_emulator/health",
                "POST /_emulator/reset {keep_webhook_endpoints=true}",
                "GET  /_emulator/clock",
                "POST /_emulator/clock/advance {seconds, minutes, hours, days}",
                "POST /_emulator/checkout/<session_id>/outcome {outcome, store}",
                "POST /_emulator/konbini/<payment_intent>/pay {store}",
                "POST /_emulator/refunds/<refund>/settle {status=succeeded|failed|canceled}",
                "POST /_emulator/dashboard_refund {payment_intent|charge, amount, reason}",
                "GET|POST|DELETE /_emulator/webhooks/endpoints {url, secret, enabled_events, replace}",
                "DELETE /_emulator/webhooks/endpoints/<id>",
                "GET|POST /_emulator/webhooks/faults {drop, duplicate, hold, reorder, clear}",
                "POST /_emulator/webhooks/flush {order=fifo|reverse}",
                "POST /_emulator/webhooks/wait {timeout}",
                "POST /_emulator/webhooks/resend {event}",
                "GET  /_emulator/webhooks/deliveries",
            ]
        }
    )


@bp.get("/health")
def health() -> Response:
    return jsonify({"ok": True, "now": emulator().store.clock.now()})


@bp.post("/reset")
def reset() -> Response:
    body = _body()
    emulator().reset(keep_webhook_endpoints=get_bool(body, "keep_webhook_endpoints", default=True))
    return jsonify({"ok": True})


# --- time travel -----------------------------------------------------------------


@bp.get("/clock")
def clock() -> Response:
    store = emulator().store
    return jsonify({"now": store.clock.now(), "offset": store.clock.offset})


@bp.post("/clock/advance")
def advance_clock() -> Response:
    body = _body()
    seconds = (
        (get_int(body, "seconds", minimum=0) or 0)
        + 60 * (get_int(body, "minutes", minimum=0) or 0)
        + 3600 * (get_int(body, "hours", minimum=0) or 0)
        + 86400 * (get_int(body, "days", minimum=0) or 0)
    )
    return jsonify(emulator().payments.advance_clock(seconds))


# --- customer / store / bank / dashboard ------------------------------------------------


@bp.post("/checkout/<session_id>/outcome")
def checkout_outcome(session_id: str) -> Response:
    body = _body()
    outcome = get_str(body, "outcome", required=True)
    result = emulator().payments.apply_outcome(session_id, outcome, konbini_store=get_str(body, "store"))
    return jsonify(result)


@bp.post("/konbini/<pi_id>/pay")
def pay_konbini(pi_id: str) -> Response:
    body = _body()
    return jsonify(emulator().payments.pay_konbini(pi_id, get_str(body, "store")))


@bp.post("/refunds/<refund_id>/settle")
def settle_refund(refund_id: str) -> Response:
    body = _body()
    return jsonify(emulator().payments.settle_refund(refund_id, get_str(body, "status", required=True)))


@bp.post("/dashboard_refund")
def dashboard_refund() -> Response:
    body = _body()
    params = {key: body[key] for key in ("payment_intent", "charge", "amount", "reason", "metadata",
                                         "instructions_email") if key in body}
    # Dashboard actions reach Stripe as API calls of their own, without the
    # portal's idempotency key.
    request_info = {"id": objects.new_id("req_", 14), "idempotency_key": None}
    return jsonify(emulator().payments.create_refund(params, request=request_info))


# --- webhooks ------------------------------------------------------------------------------


def _public_endpoint(endpoint: dict[str, Any]) -> dict[str, Any]:
    return dict(endpoint)


@bp.get("/webhooks/endpoints")
def list_endpoints() -> Response:
    return jsonify({"data": [_public_endpoint(ep) for ep in emulator().store.webhook_endpoints]})


@bp.post("/webhooks/endpoints")
def add_endpoint() -> Response:
    body = _body()
    url = get_str(body, "url", required=True)
    if not url.startswith(("http://", "https://")):
        raise invalid_param("url", "url must be an http(s) URL")
    secret = get_str(body, "secret") or emulator().config.webhook_secret
    enabled = [str(e) for e in get_list(body, "enabled_events")] or ["*"]
    endpoint = emulator().add_webhook_endpoint(url, secret, enabled, replace=get_bool(body, "replace"))
    return jsonify(endpoint)


@bp.delete("/webhooks/endpoints")
def delete_all_endpoints() -> Response:
    emulator().remove_webhook_endpoints(None)
    return jsonify({"deleted": True})


@bp.delete("/webhooks/endpoints/<endpoint_id>")
def delete_endpoint(endpoint_id: str) -> Response:
    if not emulator().remove_webhook_endpoints(endpoint_id):
        raise StripeAPIError(404, f"No such webhook_endpoint: '{endpoint_id}'", code="resource_missing")
    return jsonify({"id": endpoint_id, "deleted": True})


@bp.get("/webhooks/faults")
def get_faults() -> Response:
    return jsonify(emulator().dispatcher.faults.as_dict())


@bp.post("/webhooks/faults")
def set_faults() -> Response:
    body = _body()
    dispatcher = emulator().dispatcher
    if get_bool(body, "clear"):
        dispatcher.set_faults(drop=0, duplicate=0, hold=False, reorder=False)
    changes: dict[str, Any] = {
        "drop": get_int(body, "drop", minimum=0),
        "duplicate": get_int(body, "duplicate", minimum=0),
        "hold": get_bool(body, "hold") if "hold" in body else None,
        "reorder": get_bool(body, "reorder") if "reorder" in body else None,
    }
    return jsonify(dispatcher.set_faults(**changes))


@bp.post("/webhooks/flush")
def flush() -> Response:
    body = _body()
    order = get_str(body, "order", choices=("fifo", "reverse"))
    released = emulator().dispatcher.flush(order)
    return jsonify({"released": released})


@bp.post("/webhooks/wait")
def wait() -> Response:
    body = _body()
    timeout = float(body.get("timeout") or 10)
    if timeout > 60:
        raise invalid_param("timeout", "timeout must be at most 60 seconds")
    idle = emulator().dispatcher.wait_idle(timeout)
    return jsonify({"idle": idle, "held": emulator().dispatcher.held_count()})


@bp.post("/webhooks/resend")
def resend() -> Response:
    body = _body()
    event_id = get_str(body, "event")
    if not event_id:
        raise missing_param("event")
    with emulator().store.lock:
        event = emulator().events.resend(event_id)
    return jsonify({"id": event["id"], "type": event["type"]})


@bp.get("/webhooks/deliveries")
def deliveries() -> Response:
    return jsonify({"data": emulator().dispatcher.log(), "held": emulator().dispatcher.held_count()})
