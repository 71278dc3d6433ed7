"""The resident's side of paying (pay button → Checkout → return / cancel page, receipt) and the
provider's webhook."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal import db
from portal.extensions import csrf
from portal.i18n import current_lang
from portal.payments import service
from portal.payments.gateway import GatewayError, InvalidSignature, MalformedEvent, gateway
from portal.payments.models import Payment
from portal.procedures import journey
from portal.procedures.catalogue import definition_of
from portal.procedures.models import Submission
from portal.tenancy.scope import tenant_blueprint

log = logging.getLogger(__name__)

bp = tenant_blueprint("payments", __name__, template_folder="templates")
webhooks = Blueprint("payments_webhook", __name__)


def _applicant() -> journey.Applicant:
    return journey.Applicant.from_browser_key(g.resident, session.get("browser_key"))


def _own_submission_or_404(reference: str) -> Submission:
    submission = db.session().scalar(
        select(Submission).where(Submission.reference == reference, Submission.municipality_id == g.municipality.id))
    if submission is None or not _applicant().owns(submission):
        abort(404)
    return submission


def _own_payment_or_404(payment_id: int) -> Payment:
    payment = db.session().get(Payment, payment_id)
    if payment is None or payment.municipality_id != g.municipality.id or not _applicant().owns(payment.submission):
        abort(404)
    return payment


def _back_to(submission: Submission) -> str:
    if submission.resident_id is not None:
        return url_for("mypage.submission", reference=submission.reference)
    return url_for("procedures.confirmation", reference=submission.reference)


@bp.post("/submissions/<reference>/pay")
def pay(reference: str):
    """The Pay button (on the confirmation page and the resident's page): 303 to the provider's Checkout."""
    submission = _own_submission_or_404(reference)
    dbs = db.session()
    try:
        payment = service.start_checkout(dbs, gateway(), submission, current_lang())
    except service.NotPayable as exc:
        dbs.rollback()
        flash(_("この申請の手数料は、いまはオンラインでお支払いいただけません。") if exc.code != "not_due"
              else _("この申請の手数料のお支払いは必要ありません。"), "warning")
        return redirect(_back_to(submission), 303)
    except (GatewayError, service.Conflict):
        dbs.rollback()
        log.exception("could not start a checkout for %s", reference)
        return render_template("payments/unavailable.html", submission=submission, back=_back_to(submission)), 503
    if payment.status == "open" and payment.checkout_url:
        return redirect(payment.checkout_url, 303)
    return redirect(_back_to(submission), 303)


def _refresh(payment: Payment) -> Payment:
    """Ask the provider (the return page never trusts its own URL); a slow provider shows what we know."""
    dbs = db.session()
    try:
        payment = service.sync_from_provider(dbs, gateway(), payment.id, "return_page")
    except GatewayError:
        dbs.rollback()
        log.warning("provider unreachable on the return page of payment %s", payment.id)
    return payment


@bp.get("/payments/<int:payment_id>/return")
def return_page(payment_id: int):
    payment = _refresh(_own_payment_or_404(payment_id))
    submission = payment.submission
    return render_template("payments/return.html", payment=payment, submission=submission,
                           definition=definition_of(submission.definition),
                           fee=service.fee_state(db.session(), submission), back=_back_to(submission))


@bp.get("/payments/<int:payment_id>/cancel")
def cancel_page(payment_id: int):
    payment = _refresh(_own_payment_or_404(payment_id))
    submission = payment.submission
    return render_template("payments/cancel.html", payment=payment, submission=submission,
                           definition=definition_of(submission.definition),
                           fee=service.fee_state(db.session(), submission), back=_back_to(submission))


@bp.get("/payments/<int:payment_id>/receipt.pdf")
def receipt(payment_id: int):
    from portal.payments.receipt import receipt_filename, render_receipt

    payment = _own_payment_or_404(payment_id)
    if payment.status not in ("paid", "partially_refunded", "refunded"):
        abort(404)
    pdf = render_receipt(payment)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{receipt_filename(payment)}"',
        "Cache-Control": "private, no-store",
    })


@webhooks.post("/payments/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    """Signed by the provider; replays, duplicates and out-of-order deliveries change nothing twice."""
    gw = gateway()
    try:
        event = gw.parse_webhook(request.get_data(), request.headers.get("Stripe-Signature"))
    except InvalidSignature:
        return {"error": "invalid signature"}, 400
    except MalformedEvent:
        return {"error": "malformed event"}, 400
    dbs = db.session()
    try:
        outcome = service.handle_event(dbs, gw, event)
    except GatewayError as exc:
        dbs.rollback()
        log.warning("webhook %s: provider unreachable (%s); asking for a retry", event.id, exc)
        return {"error": "try again"}, 503
    return {"received": event.id, "outcome": outcome}
