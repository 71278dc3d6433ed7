"""Payment providers behind one small interface; Stripe Checkout is the one registered.

Only the official ``stripe`` SDK talks to Stripe. ``STRIPE_API_BASE`` points it elsewhere (the local
emulator in development and tests); unset, it talks to api.stripe.com.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app

GATEWAYS: dict[str, type[PaymentGateway]] = {}
#: how far a webhook signature's timestamp may be from now, either way (Stripe's default for the past)
WEBHOOK_TOLERANCE_SECONDS = 300


def register(cls):
    GATEWAYS[cls.name] = cls
    return cls


class GatewayError(Exception):
    """The provider could not do it. ``transient``: worth retrying (network, 5xx, rate limit)."""

    def __init__(self, message: str, transient: bool = False, code: str | None = None):
        super().__init__(message)
        self.transient = transient
        self.code = code


class InvalidSignature(Exception):
    """A webhook whose signature does not verify with the endpoint secret."""


class MalformedEvent(Exception):
    """A validly signed webhook body that is not an event we can read (no id, no type, no ``data.object``)."""


@dataclass
class LineItem:
    name: str
    unit_amount: int
    quantity: int


@dataclass
class CheckoutRequest:
    amount: int
    line_items: list[LineItem]
    methods: list[str]
    konbini_expires_after_days: int
    success_url: str
    cancel_url: str
    client_reference_id: str
    metadata: dict[str, str]
    idempotency_key: str
    customer_email: str | None = None
    locale: str = "ja"
    description: str = ""
    currency: str = "jpy"


@dataclass
class ProviderRefund:
    id: str
    amount: int
    status: str
    reason: str | None
    payment_intent_id: str | None
    created: datetime | None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class CheckoutState:
    """What the provider says about one Checkout Session, re-fetched (never taken from a webhook body)."""

    id: str
    url: str | None
    status: str  # open | complete | expired
    payment_status: str  # paid | unpaid | no_payment_required
    amount_total: int
    currency: str
    metadata: dict[str, str]
    client_reference_id: str | None = None
    created: datetime | None = None
    payment_intent_id: str | None = None
    payment_intent_status: str | None = None
    payment_error_code: str | None = None
    method: str | None = None
    charge_id: str | None = None
    amount_refunded: int = 0
    voucher_url: str | None = None
    voucher_expires_at: datetime | None = None


@dataclass
class WebhookEvent:
    id: str
    type: str
    object: dict[str, Any]


#: what ``processed_event.event_id`` holds
MAX_EVENT_ID = 255


def webhook_event(data) -> WebhookEvent:
    """The parts of a verified event body the portal relies on, checked for shape: the signature says who
    sent it, not that every field is there."""
    body = data if isinstance(data, dict) else {}
    event_id, event_type = body.get("id"), body.get("type")
    obj = body.get("data").get("object") if isinstance(body.get("data"), dict) else None
    if not (isinstance(event_id, str) and 0 < len(event_id) <= MAX_EVENT_ID) or not isinstance(event_type, str) \
            or not isinstance(obj, dict):
        raise MalformedEvent("an event needs a string id and type and an object in data.object")
    return WebhookEvent(id=event_id, type=event_type, object=obj)


class PaymentGateway:
    """The interface the payment service uses; one subclass per provider."""

    name = "base"

    def create_checkout(self, request: CheckoutRequest) -> CheckoutState:
        raise NotImplementedError

    def retrieve_checkout(self, session_id: str) -> CheckoutState:
        raise NotImplementedError

    def expire_checkout(self, session_id: str) -> CheckoutState:
        raise NotImplementedError

    def cancel_payment(self, payment_intent_id: str) -> None:
        """Cancel a payment waiting for the customer (a konbini voucher): it can no longer be paid."""
        raise NotImplementedError

    def list_checkouts(self, created_since: datetime) -> Iterator[CheckoutState]:
        raise NotImplementedError

    def find_checkout_for_payment_intent(self, payment_intent_id: str) -> CheckoutState | None:
        raise NotImplementedError

    def create_refund(self, payment_intent_id: str, amount: int, idempotency_key: str,
                      metadata: dict[str, str], email: str | None = None) -> ProviderRefund:
        raise NotImplementedError

    def list_refunds(self, payment_intent_id: str) -> list[ProviderRefund]:
        raise NotImplementedError

    def parse_webhook(self, payload: bytes, signature: str | None) -> WebhookEvent:
        raise NotImplementedError


def _signed_at(signature: str) -> int:
    """The ``t=`` of a ``Stripe-Signature`` header the SDK has already verified (so it is there and numeric)."""
    for part in signature.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            return int(value)
    raise InvalidSignature("no timestamp in the signature")


def _ts(value) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value else None


@register
class StripeGateway(PaymentGateway):
    name = "stripe"

    def __init__(self, config: dict):
        import stripe

        self.stripe = stripe
        self.webhook_secret = config.get("STRIPE_WEBHOOK_SECRET") or ""
        kwargs: dict[str, Any] = {"max_network_retries": int(config.get("STRIPE_MAX_NETWORK_RETRIES", 2))}
        if config.get("STRIPE_API_BASE"):
            kwargs["base_addresses"] = {"api": config["STRIPE_API_BASE"].rstrip("/")}
        self.client = stripe.StripeClient(config.get("STRIPE_SECRET_KEY") or "sk_test_unset", **kwargs)

    # --- errors --------------------------------------------------------------------------------------

    def _call(self, fn, *args, **kwargs):
        stripe = self.stripe
        try:
            return fn(*args, **kwargs)
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise GatewayError(str(exc), transient=True) from exc
        except stripe.InvalidRequestError as exc:
            raise GatewayError(exc.user_message or str(exc), transient=False, code=exc.code) from exc
        except stripe.StripeError as exc:
            status = getattr(exc, "http_status", None) or 500
            raise GatewayError(str(exc), transient=status >= 500, code=getattr(exc, "code", None)) from exc

    # --- checkout ------------------------------------------------------------------------------------

    def create_checkout(self, request: CheckoutRequest) -> CheckoutState:
        params: dict[str, Any] = {
            "mode": "payment",
            "currency": request.currency,
            "line_items": [
                {"price_data": {"currency": request.currency, "unit_amount": item.unit_amount,
                                "product_data": {"name": item.name}}, "quantity": item.quantity}
                for item in request.line_items
            ],
            "payment_method_types": list(request.methods),
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "client_reference_id": request.client_reference_id,
            "metadata": dict(request.metadata),
            "locale": request.locale,
            "payment_intent_data": {"metadata": dict(request.metadata), "description": request.description[:500]},
        }
        if "konbini" in request.methods:
            params["payment_method_options"] = {
                "konbini": {"expires_after_days": request.konbini_expires_after_days}}
        if request.customer_email:
            params["customer_email"] = request.customer_email
        session = self._call(self.client.v1.checkout.sessions.create, params=params,
                             options={"idempotency_key": request.idempotency_key})
        return self._state(session.to_dict())

    def retrieve_checkout(self, session_id: str) -> CheckoutState:
        session = self._call(self.client.v1.checkout.sessions.retrieve, session_id,
                             params={"expand": ["payment_intent", "payment_intent.latest_charge"]})
        return self._state(session.to_dict())

    def expire_checkout(self, session_id: str) -> CheckoutState:
        self._call(self.client.v1.checkout.sessions.expire, session_id)
        return self.retrieve_checkout(session_id)

    def cancel_payment(self, payment_intent_id: str) -> None:
        self._call(self.client.v1.payment_intents.cancel, payment_intent_id,
                   params={"cancellation_reason": "requested_by_customer"})

    def list_checkouts(self, created_since: datetime) -> Iterator[CheckoutState]:
        params: dict[str, Any] = {"created": {"gte": int(created_since.timestamp())}, "limit": 100}
        while True:
            page = self._call(self.client.v1.checkout.sessions.list, params=params).to_dict()
            for item in page["data"]:
                yield self._state(item)
            if not page.get("has_more") or not page["data"]:
                return
            params["starting_after"] = page["data"][-1]["id"]

    def find_checkout_for_payment_intent(self, payment_intent_id: str) -> CheckoutState | None:
        page = self._call(self.client.v1.checkout.sessions.list,
                          params={"payment_intent": payment_intent_id, "limit": 1}).to_dict()
        return self._state(page["data"][0]) if page["data"] else None

    @staticmethod
    def _state(cs: dict) -> CheckoutState:
        pi = cs.get("payment_intent")
        state = CheckoutState(
            id=cs["id"], url=cs.get("url"), status=cs["status"], payment_status=cs["payment_status"],
            amount_total=int(cs.get("amount_total") or 0), currency=cs.get("currency") or "jpy",
            metadata=dict(cs.get("metadata") or {}), client_reference_id=cs.get("client_reference_id"),
            created=_ts(cs.get("created")),
        )
        methods = cs.get("payment_method_types") or []
        if isinstance(pi, str):
            state.payment_intent_id = pi
        elif isinstance(pi, dict):
            state.payment_intent_id = pi["id"]
            state.payment_intent_status = pi.get("status")
            state.payment_error_code = (pi.get("last_payment_error") or {}).get("code")
            action = pi.get("next_action") or {}
            if action.get("type") == "konbini_display_details":
                details = action["konbini_display_details"]
                state.voucher_url = details.get("hosted_voucher_url")
                state.voucher_expires_at = _ts(details.get("expires_at"))
                state.method = "konbini"
            charge = pi.get("latest_charge")
            if isinstance(charge, dict) and charge.get("status") == "succeeded":
                state.charge_id = charge["id"]
                state.amount_refunded = int(charge.get("amount_refunded") or 0)
                state.method = (charge.get("payment_method_details") or {}).get("type") or state.method
        if state.method is None and len(methods) == 1 and cs["payment_status"] == "paid":
            state.method = methods[0]
        return state

    # --- refunds -------------------------------------------------------------------------------------

    def create_refund(self, payment_intent_id: str, amount: int, idempotency_key: str,
                      metadata: dict[str, str], email: str | None = None) -> ProviderRefund:
        params: dict[str, Any] = {"payment_intent": payment_intent_id, "amount": amount,
                                  "reason": "requested_by_customer", "metadata": metadata}
        if email:
            # konbini payments are refunded by bank transfer: Stripe asks the customer for the account
            params["instructions_email"] = email
        refund = self._call(self.client.v1.refunds.create, params=params,
                            options={"idempotency_key": idempotency_key})
        return self._refund(refund.to_dict())

    def list_refunds(self, payment_intent_id: str) -> list[ProviderRefund]:
        params: dict[str, Any] = {"payment_intent": payment_intent_id, "limit": 100}
        found: list[ProviderRefund] = []
        while True:
            page = self._call(self.client.v1.refunds.list, params=params).to_dict()
            found += [self._refund(r) for r in page["data"]]
            if not page.get("has_more") or not page["data"]:
                return found
            params["starting_after"] = page["data"][-1]["id"]

    @staticmethod
    def _refund(r: dict) -> ProviderRefund:
        return ProviderRefund(id=r["id"], amount=int(r["amount"]), status=r["status"], reason=r.get("reason"),
                              payment_intent_id=r.get("payment_intent"), created=_ts(r.get("created")),
                              metadata=dict(r.get("metadata") or {}))

    # --- webhooks ------------------------------------------------------------------------------------

    def parse_webhook(self, payload: bytes, signature: str | None) -> WebhookEvent:
        if not self.webhook_secret or not signature:
            raise InvalidSignature("missing signature or endpoint secret")
        try:
            self.stripe.WebhookSignature.verify_header(payload, signature, self.webhook_secret,
                                                       WEBHOOK_TOLERANCE_SECONDS)
        except (self.stripe.SignatureVerificationError, ValueError) as exc:
            raise InvalidSignature(str(exc)) from exc
        # The SDK refuses old signatures only: one dated far ahead would stay replayable until that moment.
        if _signed_at(signature) > time.time() + WEBHOOK_TOLERANCE_SECONDS:
            raise InvalidSignature("signature timestamp is in the future")
        try:
            body = json.loads(payload)
        except ValueError as exc:
            raise MalformedEvent("the body is not JSON") from exc
        return webhook_event(body)


def gateway(app: Flask | None = None) -> PaymentGateway:
    """The configured provider's gateway, one per app."""
    app = app or current_app
    existing = app.extensions.get("payment_gateway")
    if existing is None:
        existing = GATEWAYS[app.config.get("PAYMENT_PROVIDER", "stripe")](app.config)
        app.extensions["payment_gateway"] = existing
    return existing
