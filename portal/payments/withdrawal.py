"""What a resident's withdrawal (取り下げ) does to the fee, decided in one place: the confirmation page shows
the plan, the withdrawal carries it out, and the email says what was done.

The refund rule: a fee paid online is refunded in full, automatically and at once, when the resident
withdraws before staff start processing — the only moment a resident may withdraw (``received → withdrawn``
in ``portal.procedures.workflow``) — unless the procedure's definition says ``refund_on_withdrawal: false``.
Then, or when the provider refuses the refund, the payment is flagged 「返金が必要」 for staff with the reason.
Money is never kept silently:

- an open checkout is expired at the provider, a konbini voucher is cancelled there, so neither can be paid
  later; money that arrives anyway (paid at that very moment) is flagged by the late-payment path
  (``service._settle``: ``submission_withdrawn``);
- a partly refunded payment gets the rest back;
- a fee paid in cash at the counter is handed back there: the resident is asked to contact the department.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import url_for
from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.notifications import addressee, mail
from portal.payments import service
from portal.payments.gateway import GatewayError
from portal.payments.models import Payment
from portal.procedures import workflow
from portal.procedures.models import Submission

log = logging.getLogger(__name__)

REFUND_REASON = "申請の取り下げ"

#: outcome → (what the confirmation page says will happen, what the email says has happened)
TEXTS = {
    "refund": (_l("お支払いいただいた手数料 %(amount)s は、取り下げるとすぐに全額を自動で返金します。"),
               _l("お支払いいただいた手数料 %(amount)s を全額返金しました。")),
    "unpaid": (_l("手数料 %(amount)s はまだお支払いいただいていません。取り下げると請求はなくなり、"
                  "お支払いの画面は使えなくなります。"),
               _l("手数料 %(amount)s はお支払い前のため、請求はありません。お支払いの画面は使えなくなりました。")),
    "voucher": (_l("発行したコンビニ払込票（%(amount)s）は、取り下げると無効になり、お支払いできなくなります。"),
                _l("発行したコンビニ払込票（%(amount)s）は無効にしました。お支払いにならないでください。"
                   "手数料の請求はありません。")),
    "staff": (_l("お支払いいただいた手数料 %(amount)s は、この手続きでは自動では返金されません。取り下げたあと、"
                 "担当課が返金の手続きをしてご連絡します。"),
              _l("お支払いいただいた手数料 %(amount)s は、担当課が返金の手続きをします。担当課からご連絡します。")),
    "cash": (_l("窓口でお支払いいただいた手数料 %(amount)s は、窓口で返金します。担当課にお問い合わせください。"),
             _l("窓口でお支払いいただいた手数料 %(amount)s は、窓口で返金します。担当課にお問い合わせください。")),
    "none": (_l("この申請には、お支払いいただく手数料はありません。"),
             _l("この申請には、お支払いいただく手数料はありません。")),
}

#: how a refund reaches the resident, by the method they paid with
REFUND_ROUTES = {
    "konbini": _l("コンビニでのお支払いは銀行振込で返金します。Stripe から振込先の口座をうかがうメールが届きます。"),
    "card": _l("お支払いに使ったクレジットカードに返金します。"
               "明細に反映されるまで数日から数週間かかることがあります。"),
    "paypay": _l("PayPay の残高に返金します。"),
}


@dataclass
class Plan:
    #: refund | unpaid | voucher | staff | cash | none
    outcome: str
    amount: int
    #: what goes back automatically
    refund: int = 0
    payment: Payment | None = None
    #: why staff must refund (``Payment.needs_refund_reason``), for outcome "staff"
    reason: str = ""

    def text(self, done: bool = False) -> str:
        from portal.templating import yen

        amount = self.refund if self.outcome == "refund" else self.amount
        return str(TEXTS[self.outcome][1 if done else 0] % {"amount": yen(amount)})

    @property
    def route(self) -> str:
        method = self.payment.method if self.payment is not None else None
        return str(REFUND_ROUTES.get(method, "")) if self.outcome == "refund" else ""


def refunds_automatically(submission: Submission) -> bool:
    """The rule: before processing starts, unless the procedure says staff decide."""
    return submission.status == "received" and submission.definition.content.get("refund_on_withdrawal", True)


def plan(dbs: Session, submission: Submission) -> Plan:
    state = service.fee_state(dbs, submission)
    amount = submission.fee_amount
    if state.state == "cash":
        return Plan("cash", amount)
    if state.state == "paid":
        payment = state.receipt
        refundable = payment.refundable_amount if payment is not None else 0
        if refundable <= 0:
            return Plan("none", amount)
        if not refunds_automatically(submission):
            return Plan("staff", refundable, payment=payment, reason="withdrawn_staff_refund")
        if not payment.provider_payment_intent_id:
            return Plan("staff", refundable, payment=payment, reason="withdrawn_refund_failed")
        return Plan("refund", amount, refund=refundable, payment=payment)
    if state.state == "waiting":
        return Plan("voucher", amount, payment=state.active)
    if state.state == "due":
        return Plan("unpaid", amount, payment=state.active)
    return Plan("none", amount)


def withdraw(dbs: Session, gateway_of, submission: Submission, municipality) -> Plan | None:
    """The resident withdraws ``submission`` and the plan for its fee is carried out; commits, and queues the
    email (the caller sends it). None when it cannot be withdrawn (any more): a second click, or staff
    started on it at the same moment — nothing changes twice. ``gateway_of``: returns the payment gateway,
    asked only when the provider must be."""
    if not workflow.can_withdraw(submission):
        return None
    decided = plan(dbs, submission)
    workflow.withdraw(submission)
    try:
        dbs.commit()
    except StaleDataError:
        dbs.rollback()
        return None
    done = carry_out(dbs, gateway_of, submission, decided)
    _queue_email(dbs, submission, municipality, done)
    dbs.commit()
    return done


def carry_out(dbs: Session, gateway_of, submission: Submission, decided: Plan, *, reason: str = REFUND_REASON,
              source: str = "resident", staff_id: int | None = None) -> Plan:
    """Carry out ``decided`` for a submission that no longer wants its fee (withdrawn, or closed by its kind the
    same way, before this is called): stop an open checkout or voucher, refund, or flag for staff; commits.
    Returns what was done. ``reason``, ``source`` and ``staff_id`` go on the refund (a kind closing its own
    submission, e.g. a cancellation by staff, names its own)."""
    active = service.active_payment(dbs, submission.id)
    if active is not None:
        try:
            _stop(dbs, gateway_of(), active, source, staff_id)
        except GatewayError:  # the provider is unreachable: reconciliation closes it, late money is flagged
            dbs.rollback()
            log.exception("withdrawal of %s: could not stop payment %s", submission.reference, active.id)
    if decided.outcome == "refund":
        try:
            service.refund(dbs, gateway_of(), dbs.get(Payment, decided.payment.id), decided.refund, reason,
                           staff_id, source=source)
        except (GatewayError, service.RefundRefused, service.Conflict):
            dbs.rollback()
            log.exception("withdrawal of %s: the refund failed; flagged for staff", submission.reference)
            decided = Plan("staff", decided.refund, payment=decided.payment, reason="withdrawn_refund_failed")
    if decided.outcome == "staff":
        service.flag_for_refund(dbs, decided.payment.id, decided.reason)
    late = dbs.scalar(select(Payment).where(Payment.submission_id == submission.id, Payment.needs_refund.is_(True),
                                            Payment.needs_refund_reason == "submission_withdrawn"))
    if late is not None and decided.outcome in ("unpaid", "voucher"):
        # paid at the very moment it was stopped: the late-payment path flagged it, staff give it back
        decided = Plan("staff", late.amount - late.refunded_amount, payment=late, reason="submission_withdrawn")
    return decided


def _stop(dbs: Session, gw, payment: Payment, source: str = "resident", staff_id: int | None = None) -> None:
    if payment.status in ("created", "open"):
        service.cancel_attempt(dbs, gw, payment, source, actor_id=staff_id)
    elif payment.status == "processing":
        service.cancel_voucher(dbs, gw, payment, source, actor_id=staff_id)


def _queue_email(dbs: Session, submission: Submission, municipality, done: Plan) -> None:
    from portal.procedures.catalogue import definition_of

    with force_locale(submission.lang):  # the text is rendered here, in the resident's language
        title = definition_of(submission.definition).title
        money, route = done.text(done=True), done.route
    mail.queue(dbs, submission.contact_email, "submission_withdrawn", submission.lang, submission.municipality_id,
               municipality=municipality, submission=submission, title=title, plan=done, money=money, route=route,
               greeting_name=addressee.greeting_name(submission),
               status_url=url_for("mypage.submission", municipality=municipality.slug,
                                  reference=submission.reference, _external=True))
