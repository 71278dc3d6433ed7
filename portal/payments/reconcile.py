"""Reconciliation: catch what a lost webhook would have told us, and list where our records and the
provider's disagree. ``flask payments reconcile`` runs ``run`` (idempotent: run it as often as you like)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.payments import service, states
from portal.payments.gateway import GatewayError, PaymentGateway
from portal.payments.models import Payment, Refund
from portal.tenancy.models import Municipality

log = logging.getLogger(__name__)


@dataclass
class Report:
    checked: int = 0
    changed: int = 0
    canceled: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"checked {self.checked}, changed {self.changed}, canceled {self.canceled}, "
                f"errors {len(self.errors)}")


def _scope(query, municipality: Municipality | None):
    return query if municipality is None else query.where(Payment.municipality_id == municipality.id)


def run(dbs: Session, gw: PaymentGateway, municipality: Municipality | None = None) -> Report:
    report = Report()
    # 1. attempts cut short before the provider made a session: nobody can pay them any more
    for payment in service.stale_created(dbs):
        if municipality is None or payment.municipality_id == municipality.id:
            service.cancel_attempt(dbs, gw, payment, "reconciliation")
            report.canceled += 1
    # 2. every attempt still waiting, and recent paid ones (refunds made in the provider's dashboard)
    since = utcnow() - timedelta(days=current_app.config.get("PAYMENTS_REFUND_LOOKBACK_DAYS", 180))
    waiting = dbs.scalars(_scope(select(Payment.id).where(Payment.status.in_(("open", "processing"))),
                                 municipality)).all()
    paid = dbs.scalars(_scope(select(Payment.id).where(Payment.status.in_(("paid", "partially_refunded")),
                                                       Payment.paid_at >= since), municipality)).all()
    # refunds not settled yet (a lost answer, a konbini refund waiting for bank details)
    unlinked = dbs.scalars(_scope(select(Payment.id).join(Refund, Refund.payment_id == Payment.id)
                                  .where(Refund.status.in_(("requested", "pending", "requires_action"))),
                                  municipality)).all()
    for payment_id in dict.fromkeys([*waiting, *paid, *unlinked]):
        payment = dbs.get(Payment, payment_id)
        before = (payment.status, payment.refunded_amount, payment.lock_version)
        try:
            payment = service.sync_from_provider(dbs, gw, payment_id, "reconciliation")
            # 3. a session still open for a submission that no longer wants paying: close it
            if payment.status == "open" and not service.wants_payment(
                    payment.submission, service.fee_record(dbs, payment.submission)):
                payment = service.cancel_attempt(dbs, gw, payment, "reconciliation")
                report.canceled += 1
            # … and a konbini voucher of a withdrawn or rejected one (the withdrawal could not reach the provider)
            elif payment.status == "processing" and payment.submission.status in service.UNWANTED:
                payment = service.cancel_voucher(dbs, gw, payment, "reconciliation")
                report.canceled += 1
        except GatewayError as exc:
            dbs.rollback()
            report.errors.append(f"payment {payment_id}: {exc}")
            continue
        report.checked += 1
        if (payment.status, payment.refunded_amount, payment.lock_version) != before:
            report.changed += 1
    return report


@dataclass
class Mismatch:
    kind: str
    reference: str = ""
    payment: Payment | None = None
    ours: str = ""
    theirs: str = ""




def mismatches(dbs: Session, gw: PaymentGateway, municipality: Municipality, days: int = 7) -> list[Mismatch]:
    """Compare our records with the provider's for one municipality (payments of the last ``days`` days,
    plus anything still flagged), without changing anything."""
    found: list[Mismatch] = []
    since = utcnow() - timedelta(days=days)
    recent = dbs.scalars(select(Payment).where(Payment.municipality_id == municipality.id,
                                               Payment.created_at >= since,
                                               Payment.provider_session_id.is_not(None))
                         .order_by(Payment.id)).all()
    flagged = dbs.scalars(select(Payment).where(Payment.municipality_id == municipality.id,
                                                Payment.needs_refund.is_(True)).order_by(Payment.id)).all()
    for payment in flagged:
        found.append(Mismatch("needs_refund", payment.submission.reference, payment,
                              ours=payment.needs_refund_reason))
    for payment in dbs.scalars(select(Payment).where(Payment.municipality_id == municipality.id,
                                                     Payment.status.in_(("paid", "partially_refunded")),
                                                     Payment.needs_refund.is_(False))):
        if payment.submission.status in service.UNWANTED:
            found.append(Mismatch("paid_unwanted", payment.submission.reference, payment,
                                  ours=payment.submission.status))
    for payment in recent:
        try:
            state = gw.retrieve_checkout(payment.provider_session_id)
        except GatewayError as exc:
            found.append(Mismatch("provider_error", payment.submission.reference, payment, theirs=str(exc)[:200]))
            continue
        expected = service._target(payment, state)
        if state.amount_refunded != payment.refunded_amount and payment.status in states.PAID:
            found.append(Mismatch("refunded", payment.submission.reference, payment,
                                  ours=str(payment.refunded_amount), theirs=str(state.amount_refunded)))
        elif expected != payment.status and not (payment.status == "canceled" and expected == "expired"):
            found.append(Mismatch("status", payment.submission.reference, payment, ours=payment.status,
                                  theirs=expected))
        if state.amount_total != payment.amount:
            found.append(Mismatch("amount", payment.submission.reference, payment, ours=str(payment.amount),
                                  theirs=str(state.amount_total)))
    known = {p.provider_session_id for p in dbs.scalars(
        select(Payment).where(Payment.municipality_id == municipality.id, Payment.provider_session_id.is_not(None)))}
    try:
        for state in gw.list_checkouts(since):
            if state.metadata.get("municipality") == municipality.slug and state.id not in known:
                found.append(Mismatch("unknown_session", state.client_reference_id or "", None,
                                      theirs=f"{state.id} {state.status}/{state.payment_status}"))
    except GatewayError as exc:
        found.append(Mismatch("provider_error", theirs=str(exc)[:200]))
    stale = utcnow() - timedelta(minutes=10)
    for refund in dbs.scalars(select(Refund).where(Refund.municipality_id == municipality.id,
                                                   Refund.status.in_(("requested", "failed")))):
        if refund.status == "failed" or refund.created_at < stale:
            found.append(Mismatch("refund_unconfirmed", refund.payment.submission.reference, refund.payment,
                                  ours=f"{refund.amount} {refund.status}", theirs=refund.error))
    return found
