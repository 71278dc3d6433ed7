"""Builders for Stripe-shaped objects, expansion and list pagination.

Field sets follow the documented Stripe API objects closely enough that the
SDK and portal code can read them like real responses. JPY is a zero-decimal
currency: ``amount=300`` means ¥300.
"""

from __future__ import annotations

import copy
import secrets
import string
from collections.abc import Callable
from typing import Any

from .errors import invalid_param

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_session_id() -> str:
    # Real test-mode session ids look like cs_test_a1B2...; Stripe warns that
    # their length may change, so the portal must not depend on it either.
    return new_id("cs_test_a1", 56)


# --- Checkout --------------------------------------------------------------


def line_item(*, name: str, unit_amount: int, quantity: int, currency: str, created: int) -> dict[str, Any]:
    product_id = new_id("prod_", 14)
    total = unit_amount * quantity
    return {
        "id": new_id("li_"),
        "object": "item",
        "amount_discount": 0,
        "amount_subtotal": total,
        "amount_tax": 0,
        "amount_total": total,
        "currency": currency,
        "description": name,
        "price": {
            "id": new_id("price_"),
            "object": "price",
            "active": False,
            "billing_scheme": "per_unit",
            "created": created,
            "currency": currency,
            "custom_unit_amount": None,
            "livemode": False,
            "lookup_key": None,
            "metadata": {},
            "nickname": None,
            "product": product_id,
            "recurring": None,
            "tax_behavior": "unspecified",
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "one_time",
            "unit_amount": unit_amount,
            "unit_amount_decimal": str(unit_amount),
        },
        "quantity": quantity,
    }


def checkout_session(
    *,
    session_id: str,
    created: int,
    expires_at: int,
    amount_total: int,
    currency: str,
    payment_method_types: list[str],
    payment_method_options: dict[str, Any],
    success_url: str | None,
    cancel_url: str | None,
    client_reference_id: str | None,
    customer_email: str | None,
    metadata: dict[str, str],
    locale: str | None,
    submit_type: str | None,
    url: str,
) -> dict[str, Any]:
    return {
        "id": session_id,
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": amount_total,
        "amount_total": amount_total,
        "automatic_tax": {"enabled": False, "liability": None, "status": None},
        "billing_address_collection": None,
        "cancel_url": cancel_url,
        "client_reference_id": client_reference_id,
        "client_secret": None,
        "consent": None,
        "consent_collection": None,
        "created": created,
        "currency": currency,
        "custom_fields": [],
        "custom_text": {"after_submit": None, "shipping_address": None, "submit": None,
                        "terms_of_service_acceptance": None},
        "customer": None,
        "customer_creation": "if_required",
        "customer_details": None,
        "customer_email": customer_email,
        "expires_at": expires_at,
        "invoice": None,
        "invoice_creation": {"enabled": False, "invoice_data": None},
        "livemode": False,
        "locale": locale,
        "metadata": metadata,
        "mode": "payment",
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "if_required",
        "payment_method_options": payment_method_options,
        "payment_method_types": payment_method_types,
        "payment_status": "unpaid",
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": "open",
        "submit_type": submit_type,
        "subscription": None,
        "success_url": success_url,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": url,
    }


def customer_details(email: str | None, name: str | None = None) -> dict[str, Any]:
    return {
        "address": None,
        "email": email,
        "name": name,
        "phone": None,
        "tax_exempt": "none",
        "tax_ids": [],
    }


# --- PaymentIntent / Charge / PaymentMethod --------------------------------


def payment_intent(
    *,
    created: int,
    amount: int,
    currency: str,
    payment_method_types: list[str],
    payment_method_options: dict[str, Any],
    metadata: dict[str, str],
    description: str | None,
    receipt_email: str | None,
) -> dict[str, Any]:
    pi_id = new_id("pi_")
    return {
        "id": pi_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic_async",
        "client_secret": f"{pi_id}_secret_{new_id('', 25)}",
        "confirmation_method": "automatic",
        "created": created,
        "currency": currency,
        "customer": None,
        "description": description,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": metadata,
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": payment_method_options,
        "payment_method_types": payment_method_types,
        "processing": None,
        "receipt_email": receipt_email,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
    }


def payment_method_details(method: str, *, konbini_store: str | None = None) -> dict[str, Any]:
    if method == "card":
        return {
            "type": "card",
            "card": {
                "brand": "visa",
                "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
                "country": "JP",
                "exp_month": 12,
                "exp_year": 2034,
                "fingerprint": "emuFingerprint01",
                "funding": "credit",
                "last4": "4242",
                "network": "visa",
                "three_d_secure": None,
                "wallet": None,
            },
        }
    if method == "konbini":
        return {"type": "konbini", "konbini": {"store": {"chain": konbini_store}}}
    return {"type": method, method: {}}


def charge(
    *,
    created: int,
    amount: int,
    currency: str,
    payment_intent_id: str,
    payment_method_id: str,
    details: dict[str, Any],
    billing_email: str | None,
    succeeded: bool,
    metadata: dict[str, str],
    description: str | None,
) -> dict[str, Any]:
    charge_id = new_id("ch_")
    if succeeded:
        outcome = {
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "risk_score": 20,
            "seller_message": "Payment complete.",
            "type": "authorized",
        }
    else:
        outcome = {
            "network_status": "declined_by_network",
            "reason": "generic_decline",
            "risk_level": "normal",
            "risk_score": 20,
            "seller_message": "The bank did not return any further details with this decline.",
            "type": "issuer_declined",
        }
    return {
        "id": charge_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount if succeeded else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": new_id("txn_") if succeeded else None,
        "billing_details": {"address": None, "email": billing_email, "name": None, "phone": None},
        "calculated_statement_descriptor": "KAKANAI PORTAL",
        "captured": succeeded,
        "created": created,
        "currency": currency,
        "customer": None,
        "description": description,
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None if succeeded else "card_declined",
        "failure_message": None if succeeded else "Your card was declined.",
        "fraud_details": {},
        "livemode": False,
        "metadata": metadata,
        "on_behalf_of": None,
        "outcome": outcome,
        "paid": succeeded,
        "payment_intent": payment_intent_id,
        "payment_method": payment_method_id,
        "payment_method_details": details,
        "receipt_email": None,
        "receipt_number": None,
        "receipt_url": f"https://pay.stripe.com/receipts/emulator/{charge_id}",
        "refunded": False,
        "review": None,
        "shipping": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "succeeded" if succeeded else "failed",
        "transfer_data": None,
        "transfer_group": None,
    }


def payment_method_summary(payment_method_id: str, method: str, created: int) -> dict[str, Any]:
    """Small PaymentMethod object, as embedded in ``last_payment_error``."""
    summary = {
        "id": payment_method_id,
        "object": "payment_method",
        "billing_details": {"address": None, "email": None, "name": None, "phone": None},
        "created": created,
        "customer": None,
        "livemode": False,
        "metadata": {},
        "type": method,
    }
    summary[method] = payment_method_details(method).get(method, {})
    return summary


# --- Refund ------------------------------------------------------------------


def refund(
    *,
    created: int,
    amount: int,
    currency: str,
    charge_id: str,
    payment_intent_id: str,
    reason: str | None,
    metadata: dict[str, str],
    status: str,
    method: str,
) -> dict[str, Any]:
    return {
        "id": new_id("re_"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": new_id("txn_"),
        "charge": charge_id,
        "created": created,
        "currency": currency,
        "destination_details": {"type": method, method: {}},
        "failure_balance_transaction": None,
        "failure_reason": None,
        "metadata": metadata,
        "next_action": None,
        "payment_intent": payment_intent_id,
        "reason": reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": status,
        "transfer_reversal": None,
    }


# --- Event ---------------------------------------------------------------------


def event(
    *,
    event_type: str,
    created: int,
    data_object: dict[str, Any],
    previous_attributes: dict[str, Any] | None,
    api_version: str,
    request: dict[str, Any] | None,
    pending_webhooks: int,
) -> dict[str, Any]:
    data: dict[str, Any] = {"object": copy.deepcopy(data_object)}
    if previous_attributes is not None:
        data["previous_attributes"] = copy.deepcopy(previous_attributes)
    return {
        "id": new_id("evt_"),
        "object": "event",
        "api_version": api_version,
        "created": created,
        "data": data,
        "livemode": False,
        "pending_webhooks": pending_webhooks,
        "request": request or {"id": None, "idempotency_key": None},
        "type": event_type,
    }


# --- Lists and expansion --------------------------------------------------------


def list_object(data: list[dict[str, Any]], url: str, has_more: bool) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def paginate(items: list[dict[str, Any]], params: dict[str, Any], url: str) -> dict[str, Any]:
    """Stripe cursor pagination over newest-first items.

    ``starting_after`` returns items older than the cursor, ``ending_before``
    items newer than it; ``created`` accepts an int or gt/gte/lt/lte bounds.
    """
    from .forms import get_int, get_str  # local import: forms imports nothing from here

    limit = get_int(params, "limit", minimum=1, maximum=100) or 10
    items = _filter_created(items, params.get("created"))
    starting_after = get_str(params, "starting_after")
    ending_before = get_str(params, "ending_before")
    ids = [item["id"] for item in items]
    if starting_after:
        if starting_after not in ids:
            raise invalid_param("starting_after", f"Invalid starting_after id: {starting_after}")
        window = items[ids.index(starting_after) + 1 :]
        return list_object(window[:limit], url, len(window) > limit)
    if ending_before:
        if ending_before not in ids:
            raise invalid_param("ending_before", f"Invalid ending_before id: {ending_before}")
        window = items[: ids.index(ending_before)]
        page = window[-limit:]
        return list_object(page, url, len(window) > limit)
    return list_object(items[:limit], url, len(items) > limit)


def _filter_created(items: list[dict[str, Any]], created: Any) -> list[dict[str, Any]]:
    if created is None or created == "":
        return items
    bounds: dict[str, int] = {}
    try:
        if isinstance(created, dict):
            for op in ("gt", "gte", "lt", "lte"):
                if op in created and created[op] != "":
                    bounds[op] = int(created[op])
        else:
            bounds["eq"] = int(created)
    except (TypeError, ValueError):
        raise invalid_param("created", f"Invalid created filter: {created}") from None
    checks: dict[str, Callable[[int, int], bool]] = {
        "gt": lambda v, b: v > b,
        "gte": lambda v, b: v >= b,
        "lt": lambda v, b: v < b,
        "lte": lambda v, b: v <= b,
        "eq": lambda v, b: v == b,
    }
    return [item for item in items if all(checks[op](item["created"], b) for op, b in bounds.items())]


def expand(
    obj: dict[str, Any],
    paths: list[str],
    resolve: Callable[[str], dict[str, Any] | None],
    *,
    extra: Callable[[dict[str, Any], str], Any] | None = None,
) -> dict[str, Any]:
    """Return a deep copy of ``obj`` with id fields replaced by objects.

    ``resolve`` maps an id to its object; ``extra`` can supply fields that are
    not present by default (e.g. a session's ``line_items``).
    """
    result = copy.deepcopy(obj)
    for path in paths:
        _expand_path(result, path.split("."), resolve, extra, path)
    return result


def _expand_path(node: Any, parts: list[str], resolve, extra, full_path: str) -> None:
    if not parts or not isinstance(node, dict):
        return
    head, rest = parts[0], parts[1:]
    if node.get("object") == "list" and head == "data":
        for item in node.get("data", []):
            _expand_path(item, rest, resolve, extra, full_path)
        return
    if head not in node:
        supplied = extra(node, head) if extra else None
        if supplied is None:
            raise invalid_param("expand", f"This property cannot be expanded ({full_path}).")
        node[head] = supplied
    value = node[head]
    if isinstance(value, str):
        target = resolve(value)
        if target is None:
            raise invalid_param("expand", f"This property cannot be expanded ({full_path}).")
        node[head] = copy.deepcopy(target)
        value = node[head]
    _expand_path(value, rest, resolve, extra, full_path)
