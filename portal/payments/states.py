"""The payment state machine, in one table.

    created ──▶ open ──▶ processing (konbini voucher issued, waiting) ──▶ paid | expired | failed | canceled
       │          ├──────────────────────────────────────────────────▶ paid | expired | failed
       │          └──▶ canceled (we expired the session: fee settled otherwise, submission withdrawn;
       │                        also from expired, when the provider's webhook for our expiry came first)
       └──▶ failed (the provider refused to make a session) | canceled (abandoned before it was made)

    paid ──▶ partially_refunded ──▶ refunded        (and back, if the provider reports a refund failed)
    expired | failed | canceled ──▶ paid            (money the provider says arrived is never dropped)

Each move lists the sources allowed to make it: what the provider says (``webhook``, ``return_page``,
``reconciliation`` — all three re-fetch the provider's object), ``staff`` and ``resident``.
``transition`` is the only way a payment's status changes; it records a ``PaymentTransition``.
"""
from __future__ import annotations

from sqlalchemy.orm import object_session

from portal.db import utcnow
from portal.payments.models import Payment, PaymentTransition

STATUSES = ("created", "open", "processing", "paid", "expired", "failed", "canceled",
            "partially_refunded", "refunded")
SOURCES = ("webhook", "return_page", "reconciliation", "staff", "resident")
#: the provider's word, re-fetched by any of these
PROVIDER = frozenset({"webhook", "return_page", "reconciliation"})
#: money has been received (some of it may have been given back)
PAID = frozenset({"paid", "partially_refunded", "refunded"})
FINAL_UNPAID = frozenset({"expired", "failed", "canceled"})

TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    ("created", "open"): PROVIDER | {"resident"},
    ("created", "failed"): frozenset({"resident"}),
    ("created", "canceled"): frozenset({"resident", "staff", "reconciliation"}),
    ("open", "processing"): PROVIDER,
    ("open", "paid"): PROVIDER,
    ("open", "expired"): PROVIDER,
    ("open", "failed"): PROVIDER,
    ("open", "canceled"): frozenset({"resident", "staff", "reconciliation"}),
    # we expired the session and the provider's webhook saying so was handled before we could record it
    ("expired", "canceled"): frozenset({"resident", "staff", "reconciliation"}),
    ("processing", "paid"): PROVIDER,
    ("processing", "expired"): PROVIDER,
    ("processing", "failed"): PROVIDER,
    # we cancelled the konbini voucher (the resident withdrew): it can no longer be paid
    ("processing", "canceled"): frozenset({"resident", "staff", "reconciliation"}),
    # late money: e.g. paid at the very moment we expired the session; kept only to be refunded
    ("expired", "paid"): PROVIDER,
    ("failed", "paid"): PROVIDER,
    ("canceled", "paid"): PROVIDER,
    # staff refunds, and a resident cancelling a booking within its terms
    ("paid", "partially_refunded"): PROVIDER | {"staff", "resident"},
    ("paid", "refunded"): PROVIDER | {"staff", "resident"},
    ("partially_refunded", "refunded"): PROVIDER | {"staff", "resident"},
    # a refund the provider reports failed or canceled gives the money back to us
    ("partially_refunded", "paid"): PROVIDER,
    ("refunded", "partially_refunded"): PROVIDER,
    ("refunded", "paid"): PROVIDER,
}


class IllegalPaymentTransition(ValueError):
    def __init__(self, frm: str | None, to: str, source: str):
        super().__init__(f"payment cannot go from {frm} to {to} (source: {source})")
        self.frm, self.to, self.source = frm, to, source


def allowed(frm: str, to: str, source: str) -> bool:
    return source in TRANSITIONS.get((frm, to), frozenset())


def path(frm: str, to: str, source: str) -> list[str] | None:
    """The statuses to pass through to get from ``frm`` to ``to`` with ``source`` (shortest first), e.g.
    open → refunded = [paid, refunded] when a refund is the first news we hear of a payment."""
    if frm == to:
        return []
    frontier = [(frm, [])]
    seen = {frm}
    while frontier:
        nxt = []
        for status, route in frontier:
            for (a, b), sources in TRANSITIONS.items():
                if a == status and source in sources and b not in seen:
                    if b == to:
                        return route + [b]
                    seen.add(b)
                    nxt.append((b, route + [b]))
        frontier = nxt
    return None


def transition(payment: Payment, to: str, source: str, *, event_id: str | None = None,
               actor_id: int | None = None, note: str = "") -> PaymentTransition:
    """Move ``payment`` to ``to`` and record it; nothing is committed here."""
    if source not in SOURCES or to not in STATUSES or not allowed(payment.status, to, source):
        raise IllegalPaymentTransition(payment.status, to, source)
    record = PaymentTransition(from_status=payment.status, to_status=to, source=source, event_id=event_id,
                               actor_id=actor_id, note=note[:500])
    payment.status = to
    if to == "paid" and payment.paid_at is None:
        payment.paid_at = utcnow()
    payment.updated_at = utcnow()
    payment.transitions.append(record)
    session = object_session(payment)
    if session is not None:
        session.add(record)
    return record


def record_creation(payment: Payment, source: str, actor_id: int | None = None) -> PaymentTransition:
    record = PaymentTransition(from_status=None, to_status=payment.status, source=source, actor_id=actor_id)
    payment.transitions.append(record)
    return record
