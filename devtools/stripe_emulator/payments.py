"""State machine for Checkout Sessions, PaymentIntents, charges and refunds.

Every public method takes the store lock for the whole change and emits the
Events that real Stripe would send for it, in this order:

* card / PayPay success: charge.succeeded, payment_intent.succeeded,
  checkout.session.completed (payment_status=paid)
* card declined / PayPay failed: charge.failed, payment_intent.payment_failed
  (session stays open, the customer may retry)
* konbini voucher issued: payment_intent.requires_action,
  checkout.session.completed (payment_status=unpaid)
* konbini paid: charge.succeeded, payment_intent.succeeded,
  checkout.session.async_payment_succeeded
* konbini voucher lapsed: payment_intent.payment_failed,
  checkout.session.async_payment_failed
* session expired: payment_intent.canceled (if a PaymentIntent exists),
  checkout.session.expired
* refund: refund.created, charge.refunded; later refund.updated
  (+ refund.failed) when a pending refund settles
"""

from __future__ import annotations

import copy
import secrets
from datetime import datetime, time as dtime, timedelta, timezone
from typing import Any
from urllib.parse import urlparse

from . import objects
from .config import EmulatorConfig
from .errors import invalid_param, invalid_request, missing_param, unknown_param
from .events import EventRecorder
from .forms import get_dict, get_int, get_list, get_metadata, get_str, merge_metadata
from .store import Store

JST = timezone(timedelta(hours=9))
SUPPORTED_METHODS = ("card", "konbini", "paypay")
SESSION_MIN_TTL = 30 * 60
SESSION_MAX_TTL = 24 * 60 * 60
KONBINI_DEFAULT_DAYS = 3
KONBINI_STORES = ("familymart", "lawson", "ministop", "seicomart")
# Stripe's documented limits for JPY: card minimum ¥50, konbini ¥120–¥300,000.
MIN_AMOUNT_JPY = 50
KONBINI_MIN_JPY = 120
KONBINI_MAX_JPY = 300_000
MAX_AMOUNT_JPY = 99_999_999

OUTCOMES = {
    "card_success": "card",
    "card_declined": "card",
    "konbini_issued": "konbini",
    "paypay_success": "paypay",
    "paypay_failed": "paypay",
    "cancel": None,
}

# Real Stripe parameters the emulator accepts but does not model. Anything
# else is rejected like Stripe does, so typos in the portal fail loudly.
_IGNORED_SESSION_PARAMS = {
    "adaptive_pricing", "after_expiration", "allow_promotion_codes", "automatic_tax",
    "billing_address_collection", "branding_settings", "consent_collection", "custom_fields",
    "custom_text", "customer", "customer_creation", "customer_update", "discounts",
    "invoice_creation", "name_collection", "optional_items", "origin_context",
    "payment_method_collection", "payment_method_configuration", "permissions",
    "phone_number_collection", "redirect_on_completion", "return_url",
    "saved_payment_method_options", "shipping_address_collection", "shipping_options",
    "tax_id_collection", "wallet_options",
}
_HANDLED_SESSION_PARAMS = {
    "mode", "line_items", "payment_method_types", "payment_method_options", "success_url",
    "cancel_url", "client_reference_id", "metadata", "customer_email", "expires_at", "locale",
    "submit_type", "payment_intent_data", "currency", "ui_mode", "expand",
}
_REFUND_PARAMS = {
    "amount", "charge", "currency", "customer", "expand", "instructions_email", "metadata",
    "origin", "payment_intent", "reason", "refund_application_fee", "reverse_transfer",
}

NO_REQUEST = {"id": None, "idempotency_key": None}


def format_yen(amount: int) -> str:
    return f"¥{amount:,}"


def _check_url(params: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = get_str(params, key, required=required, max_length=5000)
    if value is None:
        return None
    parsed = urlparse(value.replace("{CHECKOUT_SESSION_ID}", "x"))
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise invalid_param(key, "Not a valid URL")
    return value


def konbini_expiry(issued_at: int, days: int) -> int:
    """Stripe: the voucher expires at 23:59:59 JST, `days` calendar days later."""
    issue_day = datetime.fromtimestamp(issued_at, JST).date()
    return int(datetime.combine(issue_day + timedelta(days=days), dtime(23, 59, 59), JST).timestamp())


class Payments:
    def __init__(self, store: Store, events: EventRecorder, config: EmulatorConfig) -> None:
        self.store = store
        self.events = events
        self.config = config

    @property
    def now(self) -> int:
        return self.store.clock.now()

    # ------------------------------------------------------------------ create

    def create_session(self, params: dict[str, Any], *, public_base: str, request: dict[str, Any]) -> dict[str, Any]:
        for key in params:
            if key not in _HANDLED_SESSION_PARAMS and key not in _IGNORED_SESSION_PARAMS:
                raise unknown_param(key)
        mode = get_str(params, "mode", required=True)
        if mode != "payment":
            raise invalid_param("mode", f"The emulator only supports mode=payment (got {mode}).")
        ui_mode = get_str(params, "ui_mode")
        if ui_mode not in (None, "hosted"):
            raise invalid_param("ui_mode", "The emulator only supports ui_mode=hosted.")

        currency, items, total = self._parse_line_items(params)
        given_currency = get_str(params, "currency")
        if given_currency and given_currency.lower() != currency:
            raise invalid_param("currency", "currency must match the line items' currency")

        methods = self._parse_methods(params, total)
        method_options = self._parse_method_options(params, methods)

        now = self.now
        expires_at = get_int(params, "expires_at")
        if expires_at is None:
            expires_at = now + SESSION_MAX_TTL
        elif not (now + SESSION_MIN_TTL <= expires_at <= now + SESSION_MAX_TTL):
            raise invalid_param(
                "expires_at",
                "The `expires_at` timestamp must be between 30 minutes and 24 hours after the Checkout Session "
                "is created.",
            )

        customer_email = get_str(params, "customer_email", max_length=800)
        if customer_email is not None and "@" not in customer_email:
            raise invalid_param("customer_email", f"Invalid email address: {customer_email}")
        pi_data = get_dict(params, "payment_intent_data")
        pi_metadata = get_metadata(pi_data, "metadata") if pi_data else None

        session_id = objects.new_session_id()
        session = objects.checkout_session(
            session_id=session_id,
            created=now,
            expires_at=expires_at,
            amount_total=total,
            currency=currency,
            payment_method_types=methods,
            payment_method_options=method_options,
            success_url=_check_url(params, "success_url"),
            cancel_url=_check_url(params, "cancel_url"),
            client_reference_id=get_str(params, "client_reference_id", max_length=200),
            customer_email=customer_email,
            metadata=merge_metadata({}, get_metadata(params)),
            locale=get_str(params, "locale"),
            submit_type=get_str(params, "submit_type", choices=("auto", "book", "donate", "pay", "subscribe")),
            url=f"{public_base.rstrip('/')}/checkout/{session_id}",
        )
        private = {
            "nonce": secrets.token_urlsafe(16),
            "line_items": items,
            "public_base": public_base.rstrip("/"),
            "decline": None,
            "pi_data": {
                "metadata": merge_metadata({}, pi_metadata),
                "description": get_str(pi_data, "description", param="payment_intent_data[description]"),
                "receipt_email": get_str(pi_data, "receipt_email", param="payment_intent_data[receipt_email]"),
            },
        }
        with self.store.transaction():
            self.store.add(session, private)
            if not self.config.deferred_payment_intent:
                self._ensure_payment_intent(session, request)
        return session

    def _parse_line_items(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]], int]:
        raw_items = get_list(params, "line_items")
        if not raw_items:
            raise missing_param("line_items")
        currency: str | None = None
        items: list[dict[str, Any]] = []
        for index, raw in enumerate(raw_items):
            prefix = f"line_items[{index}]"
            if not isinstance(raw, dict):
                raise invalid_param(prefix, f"Invalid object: {prefix}")
            if raw.get("price"):
                raise invalid_param(f"{prefix}[price]", "The emulator has no Price objects; use price_data instead.")
            price_data = get_dict(raw, "price_data", param=f"{prefix}[price_data]")
            if not price_data:
                raise missing_param(f"{prefix}[price_data]")
            item_currency = get_str(price_data, "currency", param=f"{prefix}[price_data][currency]",
                                    required=True).lower()
            if item_currency != "jpy":
                raise invalid_param(f"{prefix}[price_data][currency]", "The emulator only supports currency=jpy.")
            if currency and item_currency != currency:
                raise invalid_param(f"{prefix}[price_data][currency]", "All line items must use the same currency.")
            currency = item_currency
            unit_amount = get_int(
                price_data, "unit_amount", param=f"{prefix}[price_data][unit_amount]", required=True, minimum=0,
                maximum=MAX_AMOUNT_JPY
            )
            product_data = get_dict(price_data, "product_data", param=f"{prefix}[price_data][product_data]")
            if price_data.get("product"):
                raise invalid_param(f"{prefix}[price_data][product]",
                                    "The emulator has no Product objects; use product_data instead.")
            name = get_str(product_data, "name", param=f"{prefix}[price_data][product_data][name]", required=True)
            quantity = get_int(raw, "quantity", param=f"{prefix}[quantity]", required=True, minimum=1, maximum=999_999)
            items.append(objects.line_item(name=name, unit_amount=unit_amount, quantity=quantity, currency=currency,
                                           created=self.now))
        total = sum(item["amount_total"] for item in items)
        if total < MIN_AMOUNT_JPY:
            raise invalid_request("The Checkout Session's total amount due must add up to at least "
                                  f"{format_yen(MIN_AMOUNT_JPY)}.")
        if total > MAX_AMOUNT_JPY:
            raise invalid_request("The Checkout Session's total amount due must be at most "
                                  f"{format_yen(MAX_AMOUNT_JPY)}.")
        assert currency is not None
        return currency, items, total

    def _parse_methods(self, params: dict[str, Any], total: int) -> list[str]:
        methods = get_list(params, "payment_method_types") or ["card"]
        result: list[str] = []
        for index, method in enumerate(methods):
            if method not in SUPPORTED_METHODS:
                raise invalid_param(
                    f"payment_method_types[{index}]",
                    f"Invalid payment_method_types[{index}]: must be one of {', '.join(SUPPORTED_METHODS)}",
                )
            if method not in result:
                result.append(method)
        if "konbini" in result and not (KONBINI_MIN_JPY <= total <= KONBINI_MAX_JPY):
            raise invalid_param(
                "payment_method_types",
                f"konbini requires a total between {format_yen(KONBINI_MIN_JPY)} and {format_yen(KONBINI_MAX_JPY)}.",
            )
        return result

    def _parse_method_options(self, params: dict[str, Any], methods: list[str]) -> dict[str, Any]:
        raw = get_dict(params, "payment_method_options")
        options: dict[str, Any] = {}
        if "konbini" in methods:
            konbini = get_dict(raw, "konbini", param="payment_method_options[konbini]")
            days = get_int(
                konbini,
                "expires_after_days",
                param="payment_method_options[konbini][expires_after_days]",
                minimum=1,
                maximum=60,
            )
            options["konbini"] = {"expires_after_days": days}
        return options

    # -------------------------------------------------------------- PaymentIntent

    def _ensure_payment_intent(self, session: dict[str, Any], request: dict[str, Any] | None) -> dict[str, Any]:
        if session["payment_intent"]:
            return self.store.objects[session["payment_intent"]]
        pi_data = self.store.private_of(session["id"])["pi_data"]
        pm_options: dict[str, Any] = {}
        for method in session["payment_method_types"]:
            if method == "card":
                pm_options["card"] = {"installments": None, "mandate_options": None, "network": None,
                                      "request_three_d_secure": "automatic"}
            elif method == "konbini":
                days = session["payment_method_options"]["konbini"]["expires_after_days"]
                pm_options["konbini"] = {
                    "confirmation_number": None,
                    "expires_after_days": days,
                    "expires_at": None,
                    "product_description": None,
                }
            else:
                pm_options[method] = {}
        pi = objects.payment_intent(
            created=self.now,
            amount=session["amount_total"],
            currency=session["currency"],
            payment_method_types=list(session["payment_method_types"]),
            payment_method_options=pm_options,
            metadata=dict(pi_data["metadata"]),
            description=pi_data["description"],
            receipt_email=pi_data["receipt_email"],
        )
        self.store.add(pi, {"session": session["id"]})
        session["payment_intent"] = pi["id"]
        self.events.emit("payment_intent.created", pi, request=request)
        return pi

    # ------------------------------------------------------------------ outcomes

    def apply_outcome(self, session_id: str, outcome: str, *, konbini_store: str | None = None) -> dict[str, Any]:
        """Act as the customer on the hosted page. Returns session + redirect."""
        if outcome not in OUTCOMES:
            raise invalid_param("outcome", f"Invalid outcome: must be one of {', '.join(OUTCOMES)}")
        with self.store.transaction():
            self.process_due()
            session = self.store.require(session_id, "checkout.session")
            if session["status"] != "open":
                raise invalid_request(
                    f"This Checkout Session is no longer open (status: {session['status']}).",
                    code="checkout_session_not_open"
                )
            method = OUTCOMES[outcome]
            if method is not None and method not in session["payment_method_types"]:
                raise invalid_param("outcome", f"This Checkout Session does not allow payment_method_types={method}.")
            private = self.store.private_of(session_id)
            private["nonce"] = secrets.token_urlsafe(16)
            private["decline"] = None
            redirect: str | None = None
            if outcome in ("card_success", "paypay_success"):
                self._pay_now(session, method)
                redirect = self._success_redirect(session)
            elif outcome in ("card_declined", "paypay_failed"):
                private["decline"] = self._fail_attempt(session, method)
            elif outcome == "konbini_issued":
                self._issue_konbini(session, konbini_store)
                redirect = self._success_redirect(session)
            else:  # cancel: Stripe leaves the session open; it expires later
                redirect = session["cancel_url"]
            return {"session": copy.deepcopy(session), "redirect_url": redirect, "decline": private["decline"]}

    def _success_redirect(self, session: dict[str, Any]) -> str | None:
        url = session["success_url"]
        return url.replace("{CHECKOUT_SESSION_ID}", session["id"]) if url else None

    def _new_payment_method(self, method: str) -> str:
        # PaymentMethod objects are not retrievable here; the id is enough for
        # charges and PaymentIntents to reference.
        return objects.new_id("pm_")

    def _customer_email(self, session: dict[str, Any]) -> str:
        return session["customer_email"] or "tester@example.com"

    def _pay_now(self, session: dict[str, Any], method: str) -> None:
        pi = self._ensure_payment_intent(session, None)
        self._record_success(session, pi, self._new_payment_method(method), objects.payment_method_details(method))
        session.update(
            status="complete",
            payment_status="paid",
            url=None,
            customer_details=objects.customer_details(self._customer_email(session)),
        )
        self.events.emit("checkout.session.completed", session)

    def _record_success(self, session: dict[str, Any], pi: dict[str, Any], pm_id: str, details: dict[str, Any]) -> None:
        ch = objects.charge(
            created=self.now,
            amount=pi["amount"],
            currency=pi["currency"],
            payment_intent_id=pi["id"],
            payment_method_id=pm_id,
            details=details,
            billing_email=self._customer_email(session),
            succeeded=True,
            metadata=dict(pi["metadata"]),
            description=pi["description"],
        )
        self.store.add(ch)
        pi.update(
            status="succeeded",
            amount_received=pi["amount"],
            latest_charge=ch["id"],
            payment_method=pm_id,
            last_payment_error=None,
            next_action=None,
        )
        self.events.emit("charge.succeeded", ch)
        self.events.emit("payment_intent.succeeded", pi)

    def _fail_attempt(self, session: dict[str, Any], method: str) -> dict[str, Any]:
        pi = self._ensure_payment_intent(session, None)
        pm_id = self._new_payment_method(method)
        ch = objects.charge(
            created=self.now,
            amount=pi["amount"],
            currency=pi["currency"],
            payment_intent_id=pi["id"],
            payment_method_id=pm_id,
            details=objects.payment_method_details(method),
            billing_email=self._customer_email(session),
            succeeded=False,
            metadata=dict(pi["metadata"]),
            description=pi["description"],
        )
        if method != "card":
            ch["failure_code"] = "payment_method_provider_decline"
            ch["failure_message"] = "The payment was declined by PayPay."
        self.store.add(ch)
        error = {
            "type": "card_error" if method == "card" else "invalid_request_error",
            "code": ch["failure_code"],
            "message": ch["failure_message"],
            "charge": ch["id"],
            "payment_method": objects.payment_method_summary(pm_id, method, self.now),
            "payment_method_type": method,
        }
        if method == "card":
            error["decline_code"] = "generic_decline"
            error["doc_url"] = "https://stripe.com/docs/error-codes/card-declined"
        pi.update(status="requires_payment_method", latest_charge=ch["id"], payment_method=None,
                  last_payment_error=error)
        self.events.emit("charge.failed", ch)
        self.events.emit("payment_intent.payment_failed", pi)
        return {"code": error["code"], "message": error["message"], "method": method}

    # ------------------------------------------------------------------- konbini

    def _issue_konbini(self, session: dict[str, Any], store_chain: str | None) -> None:
        pi = self._ensure_payment_intent(session, None)
        days = session["payment_method_options"]["konbini"]["expires_after_days"] or KONBINI_DEFAULT_DAYS
        expires_at = konbini_expiry(self.now, days)
        base = self.store.private_of(session["id"])["public_base"]
        stores = {
            chain: {
                "confirmation_number": "".join(secrets.choice("0123456789") for _ in range(11)),
                "payment_code": "".join(secrets.choice("0123456789")
                                        for _ in range(6 if chain == "familymart" else 12)),
            }
            for chain in KONBINI_STORES
        }
        pm_id = self._new_payment_method("konbini")
        pi.update(
            status="requires_action",
            payment_method=pm_id,
            last_payment_error=None,
            next_action={
                "type": "konbini_display_details",
                "konbini_display_details": {
                    "expires_at": expires_at,
                    "hosted_voucher_url": f"{base}/voucher/{pi['id']}",
                    "stores": stores,
                },
            },
        )
        pi_private = self.store.private_of(pi["id"])
        pi_private.update(voucher_nonce=secrets.token_urlsafe(16), preferred_store=store_chain)
        session.update(
            status="complete",
            payment_status="unpaid",
            url=None,
            customer_details=objects.customer_details(self._customer_email(session)),
        )
        self.events.emit("payment_intent.requires_action", pi)
        self.events.emit("checkout.session.completed", session)

    def _konbini_pending(self, pi: dict[str, Any]) -> bool:
        action = pi.get("next_action") or {}
        return pi["status"] == "requires_action" and action.get("type") == "konbini_display_details"

    def pay_konbini(self, pi_id: str, store_chain: str | None = None) -> dict[str, Any]:
        """The customer pays the voucher at the store counter."""
        if store_chain is not None and store_chain not in KONBINI_STORES:
            raise invalid_param("store", f"Invalid store: must be one of {', '.join(KONBINI_STORES)}")
        with self.store.transaction():
            self.process_due()
            pi = self.store.require(pi_id, "payment_intent")
            if not self._konbini_pending(pi):
                raise invalid_request(
                    f"PaymentIntent {pi_id} has no konbini voucher awaiting payment (status: {pi['status']}).",
                    code="payment_intent_unexpected_state",
                )
            chain = store_chain or self.store.private_of(pi_id).get("preferred_store") or "lawson"
            session = self.store.objects[self.store.private_of(pi_id)["session"]]
            self._record_success(session, pi, pi["payment_method"],
                                 objects.payment_method_details("konbini", konbini_store=chain))
            session["payment_status"] = "paid"
            self.events.emit("checkout.session.async_payment_succeeded", session)
            return copy.deepcopy(pi)

    def _lapse_konbini(self, pi: dict[str, Any]) -> None:
        pm_id = pi["payment_method"]
        pi.update(
            status="requires_payment_method",
            next_action=None,
            payment_method=None,
            last_payment_error={
                "type": "invalid_request_error",
                "code": "payment_intent_payment_attempt_expired",
                "message": "The payment attempt for this PaymentIntent has expired.",
                "payment_method": objects.payment_method_summary(pm_id, "konbini", self.now),
                "payment_method_type": "konbini",
            },
        )
        session = self.store.objects[self.store.private_of(pi["id"])["session"]]
        self.events.emit("payment_intent.payment_failed", pi)
        self.events.emit("checkout.session.async_payment_failed", session)

    # ------------------------------------------------------------------- cancel

    CANCELABLE = ("requires_payment_method", "requires_confirmation", "requires_action", "requires_capture")

    def cancel_payment_intent(self, pi_id: str, params: dict[str, Any], *,
                              request: dict[str, Any] | None) -> dict[str, Any]:
        """POST /v1/payment_intents/:id/cancel: e.g. a konbini voucher nobody should pay any more. The
        Checkout Session that made it stays complete and unpaid, as Stripe's does."""
        for key in params:
            if key not in ("cancellation_reason", "expand"):
                raise unknown_param(key)
        with self.store.transaction():
            self.process_due()
            pi = self.store.require(pi_id, "payment_intent")
            if pi["status"] not in self.CANCELABLE:
                raise invalid_request(
                    f"You cannot cancel this PaymentIntent because it has a status of {pi['status']}. Only a "
                    f"PaymentIntent with one of the following statuses may be canceled: {', '.join(self.CANCELABLE)}.",
                    code="payment_intent_unexpected_state",
                )
            pi.update(status="canceled", canceled_at=self.now, next_action=None,
                      cancellation_reason=get_str(params, "cancellation_reason") or "requested_by_customer")
            self.events.emit("payment_intent.canceled", pi, request=request)
            return copy.deepcopy(pi)

    # ------------------------------------------------------------------- expiry

    def expire_session(self, session_id: str, *, request: dict[str, Any] | None) -> dict[str, Any]:
        with self.store.transaction():
            self.process_due()
            session = self.store.require(session_id, "checkout.session")
            if session["status"] != "open":
                raise invalid_request(
                    'Only Checkout Sessions with a status in ["open"] can be expired. '
                    f'This Checkout Session has a status of "{session["status"]}".'
                )
            self._expire(session, request)
            return copy.deepcopy(session)

    def _expire(self, session: dict[str, Any], request: dict[str, Any] | None) -> None:
        session.update(status="expired", url=None)
        if session["payment_intent"]:
            pi = self.store.objects[session["payment_intent"]]
            if pi["status"] not in ("succeeded", "canceled"):
                pi.update(status="canceled", canceled_at=self.now, cancellation_reason="abandoned", next_action=None)
                self.events.emit("payment_intent.canceled", pi, request=request)
        self.events.emit("checkout.session.expired", session, request=request)

    def process_due(self) -> list[dict[str, Any]]:
        """Expire open sessions and lapse konbini vouchers that are past due."""
        with self.store.lock:
            now = self.now
            due: list[tuple[int, str, str]] = []
            for obj in self.store.objects.values():
                kind = obj.get("object")
                if kind == "checkout.session" and obj["status"] == "open" and obj["expires_at"] <= now:
                    due.append((obj["expires_at"], "session_expired", obj["id"]))
                elif kind == "payment_intent" and self._konbini_pending(obj):
                    expires_at = obj["next_action"]["konbini_display_details"]["expires_at"]
                    if expires_at <= now:
                        due.append((expires_at, "konbini_expired", obj["id"]))
            if not due:
                return []
            due.sort()
            for _, action, object_id in due:
                if action == "session_expired":
                    self._expire(self.store.objects[object_id], None)
                else:
                    self._lapse_konbini(self.store.objects[object_id])
            self.store.save()
            return [{"action": action, "id": object_id, "due_at": at} for at, action, object_id in due]

    def advance_clock(self, seconds: int) -> dict[str, Any]:
        if seconds < 0:
            raise invalid_param("seconds", "The emulated clock only moves forward.")
        with self.store.transaction():
            self.store.clock.advance(seconds)
            processed = self.process_due()
            return {"now": self.now, "offset": self.store.clock.offset, "processed": processed}

    # ------------------------------------------------------------------ refunds

    def create_refund(self, params: dict[str, Any], *, request: dict[str, Any]) -> dict[str, Any]:
        for key in params:
            if key not in _REFUND_PARAMS:
                raise unknown_param(key)
        with self.store.transaction():
            pi_id = get_str(params, "payment_intent")
            charge_id = get_str(params, "charge")
            if not pi_id and not charge_id:
                raise invalid_request("One of the following params should be provided for this request: payment_intent "
                                      "or charge.")
            if pi_id:
                pi = self.store.require(pi_id, "payment_intent", param="payment_intent", status=400)
                latest = self.store.get(pi["latest_charge"] or "", "charge")
                if latest is None or latest["status"] != "succeeded":
                    raise invalid_request(
                        f"This PaymentIntent ({pi_id}) does not have a successful charge to refund.",
                        code="payment_intent_unexpected_state",
                        param="payment_intent",
                    )
                if charge_id and charge_id != latest["id"]:
                    raise invalid_param("charge", "The charge does not belong to the given payment_intent.")
                ch = latest
            else:
                ch = self.store.require(charge_id, "charge", param="charge", status=400)
                if ch["status"] != "succeeded":
                    raise invalid_request(f"Charge {charge_id} has not succeeded and cannot be refunded.",
                                          param="charge")
                pi = self.store.objects[ch["payment_intent"]]

            remaining = ch["amount"] - ch["amount_refunded"]
            if remaining <= 0:
                raise invalid_request(f"Charge {ch['id']} has already been refunded.", code="charge_already_refunded")
            amount = get_int(params, "amount", minimum=1)
            if amount is None:
                amount = remaining
            if amount > remaining:
                raise invalid_request(
                    f"Refund amount ({format_yen(amount)}) is greater than unrefunded amount on charge "
                    f"({format_yen(remaining)})",
                    code="amount_too_large",
                    param="amount",
                )
            reason = get_str(params, "reason", choices=("duplicate", "fraudulent", "requested_by_customer"))
            metadata = merge_metadata({}, get_metadata(params))
            method = ch["payment_method_details"]["type"]
            instructions_email = get_str(params, "instructions_email")
            status = "succeeded"
            if method == "konbini":
                # Konbini has no way to push money back; Stripe emails the
                # customer for bank details and the refund waits meanwhile.
                session = self.store.objects.get(self.store.private_of(pi["id"]).get("session", ""), {})
                instructions_email = instructions_email or (ch["billing_details"] or {}).get("email") \
                    or session.get("customer_email")
                if not instructions_email:
                    raise missing_param("instructions_email")
                status = "requires_action"
            refund = objects.refund(
                created=self.now,
                amount=amount,
                currency=ch["currency"],
                charge_id=ch["id"],
                payment_intent_id=pi["id"],
                reason=reason,
                metadata=metadata,
                status=status,
                method=method,
            )
            if status == "requires_action":
                refund["instructions_email"] = instructions_email
                refund["next_action"] = {
                    "type": "display_details",
                    "display_details": {
                        "email_sent": {"email_sent_at": self.now, "email_sent_to": instructions_email},
                        "expires_at": self.now + 45 * 24 * 3600,
                    },
                }
            self.store.add(refund)
            previous = {"amount_refunded": ch["amount_refunded"], "refunded": ch["refunded"]}
            ch["amount_refunded"] += amount
            ch["refunded"] = ch["amount_refunded"] >= ch["amount"]
            self.events.emit("refund.created", refund, request=request)
            self.events.emit("charge.refunded", ch, previous_attributes=previous, request=request)
            return copy.deepcopy(refund)

    def settle_refund(self, refund_id: str, status: str) -> dict[str, Any]:
        """Finish a pending refund (or fail a succeeded one), like the bank would."""
        if status not in ("succeeded", "failed", "canceled"):
            raise invalid_param("status", "status must be succeeded, failed or canceled")
        with self.store.transaction():
            refund = self.store.require(refund_id, "refund")
            allowed = {"pending": {"succeeded", "failed", "canceled"},
                       "requires_action": {"succeeded", "failed", "canceled"}, "succeeded": {"failed"}}
            if status not in allowed.get(refund["status"], set()):
                raise invalid_request(f"Refund {refund_id} cannot move from {refund['status']} to {status}.")
            previous = {"status": refund["status"]}
            if refund["next_action"] is not None:
                previous["next_action"] = refund["next_action"]
            refund.update(status=status, next_action=None)
            if status in ("failed", "canceled"):
                refund["failure_reason"] = "unknown" if status == "failed" else None
                if status == "failed":
                    refund["failure_balance_transaction"] = objects.new_id("txn_")
                ch = self.store.objects[refund["charge"]]
                ch["amount_refunded"] -= refund["amount"]
                ch["refunded"] = ch["amount_refunded"] >= ch["amount"]
            self.events.emit("refund.updated", refund, previous_attributes=previous)
            if status == "failed":
                self.events.emit("refund.failed", refund)
            return copy.deepcopy(refund)

    # --------------------------------------------------------------- updates

    def update_metadata(self, object_id: str, object_name: str, params: dict[str, Any], *,
                        allowed: set[str]) -> dict[str, Any]:
        for key in params:
            if key not in allowed:
                raise unknown_param(key)
        with self.store.transaction():
            obj = self.store.require(object_id, object_name)
            obj["metadata"] = merge_metadata(obj["metadata"], get_metadata(params))
            return copy.deepcopy(obj)

