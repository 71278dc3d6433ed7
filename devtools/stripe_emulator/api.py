"""The Stripe-compatible ``/v1`` HTTP API.

Cross-cutting Stripe behaviour lives here: API-key auth, ``Request-Id``
headers, Idempotency-Key replay for POSTs, ``expand[]`` and list pagination.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from . import objects
from .errors import StripeAPIError, authentication_error, idempotency_error, invalid_param, unknown_param
from .forms import decode_request, get_list, get_str

bp = Blueprint("stripe_api", __name__)

_LIST_PARAMS = {"limit", "starting_after", "ending_before", "created", "expand"}
_IDEMPOTENCY_TTL = 24 * 60 * 60


def emulator():
    return current_app.extensions["stripe_emulator"]


def json_response(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(body, indent=2, ensure_ascii=False), status=status, mimetype="application/json")
    response.headers["Request-Id"] = g.get("request_id", "")
    response.headers["Stripe-Version"] = emulator().config.api_version
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def error_response(exc: StripeAPIError) -> Response:
    body = exc.to_body()
    if g.get("request_id"):
        body["error"]["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{g.request_id}"
    return json_response(body, exc.status)


# --- request lifecycle ---------------------------------------------------------


def _api_key() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer ") :].strip() or None
    if header.startswith("Basic "):
        # curl -u sk_test_xxx: sends the key as the basic-auth user name.
        try:
            decoded = base64.b64decode(header[len("Basic ") :]).decode("utf-8")
        except Exception:
            return None
        return decoded.split(":", 1)[0] or None
    return None


@bp.before_request
def authenticate_and_decode() -> None:
    g.request_id = objects.new_id("req_", 14)
    key = _api_key()
    if key is None:
        raise authentication_error(
            "You did not provide an API key. You need to provide your API key in the Authorization header, "
            "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). "
            "See https://stripe.com/docs/api#authentication "
            "for details, or we can help at https://support.stripe.com/."
        )
    if not (key.startswith("sk_test_") or key.startswith("rk_test_")):
        masked = key[:8] + "*" * max(len(key) - 12, 0) + key[-4:] if len(key) > 12 else "****"
        raise authentication_error(f"Invalid API Key provided: {masked}")
    g.api_key = key
    g.params = decode_request(request.args, request.form if request.method == "POST" else None)
    # Time only moves when someone looks; settle overdue work first so reads
    # never show a session as open after its expiry.
    emulator().payments.process_due()


@bp.errorhandler(StripeAPIError)
def handle_stripe_error(exc: StripeAPIError) -> Response:
    return error_response(exc)


def _request_info() -> dict[str, Any]:
    return {"id": g.request_id, "idempotency_key": request.headers.get("Idempotency-Key")}


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Replay the first response for a reused Idempotency-Key.

    Only successful responses are stored: Stripe does not save results for
    requests that failed validation, so a corrected retry with the same key
    can still succeed.
    """

    def wrapper(*args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key")
        if not key:
            return handler(*args, **kwargs)
        if len(key) > 255:
            raise invalid_param("Idempotency-Key", "Idempotency keys can be at most 255 characters long.")
        emu = emulator()
        store = emu.store
        record_key = f"{g.api_key}\0{key}"
        fingerprint = json.dumps(g.params, sort_keys=True, ensure_ascii=False)
        # Holding the store lock across the handler serialises concurrent
        # requests with the same key, so only one of them ever executes.
        with store.lock:
            now = store.clock.now()
            record = store.idempotency.get(record_key)
            if record and now - record["created"] > _IDEMPOTENCY_TTL:
                record = None
            if record:
                if record["path"] != request.path or record["method"] != request.method:
                    raise idempotency_error(
                        "Keys for idempotent requests can only be used for the same endpoint they were first used for "
                        f"('{record['method']} {record['path']}' vs '{request.method} {request.path}'). "
                        f"Try using a key other than '{key}' if you meant to execute a different request."
                    )
                if record["fingerprint"] != fingerprint:
                    raise idempotency_error(
                        "Keys for idempotent requests can only be used with the same parameters they were first "
                        "used with. "
                        f"Try using a key other than '{key}' if you meant to execute a different request."
                    )
                response = Response(record["body"], status=record["status"], mimetype="application/json")
                response.headers["Request-Id"] = g.request_id
                response.headers["Original-Request"] = record["request_id"]
                response.headers["Idempotent-Replayed"] = "true"
                response.headers["Idempotency-Key"] = key
                response.headers["Stripe-Version"] = emu.config.api_version
                return response
            response = handler(*args, **kwargs)
            response.headers["Idempotency-Key"] = key
            if 200 <= response.status_code < 300:
                store.idempotency[record_key] = {
                    "method": request.method,
                    "path": request.path,
                    "fingerprint": fingerprint,
                    "status": response.status_code,
                    "body": response.get_data(as_text=True),
                    "request_id": g.request_id,
                    "created": now,
                }
                store.save()
            return response

    wrapper.__name__ = handler.__name__
    return wrapper


# --- rendering helpers -------------------------------------------------------------


def _expand_paths() -> list[str]:
    return [str(path) for path in get_list(g.params, "expand")]


def _resolve(object_id: str) -> dict[str, Any] | None:
    return emulator().store.objects.get(object_id)


def _extra_fields(node: dict[str, Any], field: str) -> Any:
    # line_items is not part of a session unless expanded (Stripe "includable").
    if node.get("object") == "checkout.session" and field == "line_items":
        return _line_items_list(node["id"])
    return None


def _line_items_list(session_id: str) -> dict[str, Any]:
    items = emulator().store.private_of(session_id).get("line_items", [])
    return objects.list_object(list(items), f"/v1/checkout/sessions/{session_id}/line_items", False)


def render(obj: dict[str, Any], status: int = 200) -> Response:
    with emulator().store.lock:
        body = objects.expand(obj, _expand_paths(), _resolve, extra=_extra_fields)
    return json_response(body, status)


def render_list(items: list[dict[str, Any]], url: str) -> Response:
    with emulator().store.lock:
        page = objects.paginate(items, g.params, url)
        body = objects.expand(page, _expand_paths(), _resolve, extra=_extra_fields)
    return json_response(body)


def _check_list_params(extra: set[str]) -> None:
    for key in g.params:
        if key not in _LIST_PARAMS and key not in extra:
            raise unknown_param(key)


# --- Checkout Sessions ----------------------------------------------------------------


@bp.post("/v1/checkout/sessions")
@idempotent
def create_checkout_session() -> Response:
    emu = emulator()
    session = emu.payments.create_session(g.params, public_base=emu.public_base(), request=_request_info())
    return render(session)


@bp.get("/v1/checkout/sessions")
def list_checkout_sessions() -> Response:
    _check_list_params({"payment_intent", "status", "customer_details", "customer", "payment_link", "subscription"})
    store = emulator().store
    with store.lock:
        items = store.newest_first("checkout.session")
        pi_id = get_str(g.params, "payment_intent")
        status = get_str(g.params, "status", choices=("open", "complete", "expired"))
        email = (g.params.get("customer_details") or {}).get("email") \
            if isinstance(g.params.get("customer_details"), dict) else None
        if pi_id:
            items = [s for s in items if s["payment_intent"] == pi_id]
        if status:
            items = [s for s in items if s["status"] == status]
        if email:
            items = [s for s in items if (s["customer_details"] or {}).get("email") == email]
        return render_list(items, "/v1/checkout/sessions")


@bp.get("/v1/checkout/sessions/<session_id>")
def retrieve_checkout_session(session_id: str) -> Response:
    return render(emulator().store.require(session_id, "checkout.session"))


@bp.post("/v1/checkout/sessions/<session_id>")
@idempotent
def update_checkout_session(session_id: str) -> Response:
    session = emulator().payments.update_metadata(session_id, "checkout.session", g.params,
                                                  allowed={"metadata", "expand"})
    return render(session)


@bp.post("/v1/checkout/sessions/<session_id>/expire")
@idempotent
def expire_checkout_session(session_id: str) -> Response:
    return render(emulator().payments.expire_session(session_id, request=_request_info()))


@bp.get("/v1/checkout/sessions/<session_id>/line_items")
def list_session_line_items(session_id: str) -> Response:
    _check_list_params(set())
    emulator().store.require(session_id, "checkout.session")
    items = emulator().store.private_of(session_id).get("line_items", [])
    return render_list(list(items), f"/v1/checkout/sessions/{session_id}/line_items")


# --- PaymentIntents and Charges ------------------------------------------------------------


@bp.get("/v1/payment_intents/<pi_id>")
def retrieve_payment_intent(pi_id: str) -> Response:
    return render(emulator().store.require(pi_id, "payment_intent"))


@bp.get("/v1/payment_intents")
def list_payment_intents() -> Response:
    _check_list_params({"customer"})
    return render_list(emulator().store.newest_first("payment_intent"), "/v1/payment_intents")


@bp.post("/v1/payment_intents/<pi_id>")
@idempotent
def update_payment_intent(pi_id: str) -> Response:
    pi = emulator().payments.update_metadata(pi_id, "payment_intent", g.params, allowed={"metadata", "expand"})
    return render(pi)


@bp.post("/v1/payment_intents/<pi_id>/cancel")
@idempotent
def cancel_payment_intent(pi_id: str) -> Response:
    return render(emulator().payments.cancel_payment_intent(pi_id, g.params, request=_request_info()))


@bp.get("/v1/charges/<charge_id>")
def retrieve_charge(charge_id: str) -> Response:
    return render(emulator().store.require(charge_id, "charge"))


@bp.get("/v1/charges")
def list_charges() -> Response:
    _check_list_params({"payment_intent", "customer"})
    items = emulator().store.newest_first("charge")
    pi_id = get_str(g.params, "payment_intent")
    if pi_id:
        items = [c for c in items if c["payment_intent"] == pi_id]
    return render_list(items, "/v1/charges")


# --- Refunds -------------------------------------------------------------------------------


@bp.post("/v1/refunds")
@idempotent
def create_refund() -> Response:
    return render(emulator().payments.create_refund(g.params, request=_request_info()))


@bp.get("/v1/refunds/<refund_id>")
def retrieve_refund(refund_id: str) -> Response:
    return render(emulator().store.require(refund_id, "refund"))


@bp.post("/v1/refunds/<refund_id>")
@idempotent
def update_refund(refund_id: str) -> Response:
    return render(emulator().payments.update_metadata(refund_id, "refund", g.params, allowed={"metadata", "expand"}))


@bp.get("/v1/refunds")
def list_refunds() -> Response:
    _check_list_params({"payment_intent", "charge"})
    items = emulator().store.newest_first("refund")
    pi_id = get_str(g.params, "payment_intent")
    charge_id = get_str(g.params, "charge")
    if pi_id:
        items = [r for r in items if r["payment_intent"] == pi_id]
    if charge_id:
        items = [r for r in items if r["charge"] == charge_id]
    return render_list(items, "/v1/refunds")


# --- Events ------------------------------------------------------------------------------------


def _type_matches(event_type: str, pattern: str) -> bool:
    # Stripe allows one trailing wildcard, e.g. "checkout.session.*".
    if pattern.endswith("*"):
        return event_type.startswith(pattern[:-1])
    return event_type == pattern


@bp.get("/v1/events")
def list_events() -> Response:
    _check_list_params({"type", "types", "delivery_success"})
    items = emulator().store.newest_first("event")
    event_type = get_str(g.params, "type")
    types = [str(t) for t in get_list(g.params, "types")]
    if event_type and types:
        raise invalid_param("types", "You may only specify one of these parameters: type, types.")
    if event_type:
        items = [e for e in items if _type_matches(e["type"], event_type)]
    if types:
        items = [e for e in items if any(_type_matches(e["type"], t) for t in types)]
    return render_list(items, "/v1/events")


@bp.get("/v1/events/<event_id>")
def retrieve_event(event_id: str) -> Response:
    return render(emulator().store.require(event_id, "event"))
