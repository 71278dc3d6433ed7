"""Payment operations. Functions here commit: each talks to the provider between database transactions,
so a crash can leave only states that reconciliation repairs (see the README's payment section).

- ``start_checkout``: the resident's Pay button (a double click gets the one attempt).
- ``sync_from_provider``: THE way a payment learns what happened; re-fetches the Checkout Session (and its
  refunds) and applies it. Used by the webhook, the return page and reconciliation alike.
- ``handle_event``: a verified webhook event, applied at most once (``ProcessedEvent``).
- ``refund``, ``settle_otherwise`` (exempt / cash at the counter): the back office.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.exc import StaleDataError

from portal.db import utcnow
from portal.notifications import mail
from portal.params import parse_int
from portal.payments import breakdown, states
from portal.payments.gateway import (
    CheckoutRequest,
    CheckoutState,
    GatewayError,
    LineItem,
    PaymentGateway,
    ProviderRefund,
    WebhookEvent,
)
from portal.payments.models import ACTIVE, MunicipalityPaymentSettings, Payment, ProcessedEvent, Refund, SubmissionFee
from portal.procedures.models import Submission
from portal.tenancy.models import Municipality

log = logging.getLogger(__name__)

METHODS = ("card", "konbini", "paypay")
KONBINI_MIN, KONBINI_MAX = 120, 300_000
#: submissions in these statuses no longer want their fee
UNWANTED = frozenset({"withdrawn", "rejected"})
HANDLED_EVENTS = frozenset({
    "checkout.session.completed", "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed", "checkout.session.expired",
    "charge.refunded", "refund.updated", "refund.failed",
})


class NotPayable(Exception):
    """The submission's fee cannot be paid online now; ``code`` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class Conflict(Exception):
    """Someone changed the payment since the form was shown (e.g. the second click of a double click)."""


class RefundRefused(ValueError):
    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code
        self.message = message


# --- settings and fee state ------------------------------------------------------------------------------

@dataclass
class Settings:
    enabled: bool
    methods: list[str]
    konbini_expires_after_days: int


def settings_for(dbs: Session, municipality: Municipality) -> Settings:
    row = dbs.scalar(select(MunicipalityPaymentSettings)
                     .where(MunicipalityPaymentSettings.municipality_id == municipality.id))
    config = current_app.config
    if row is None:
        return Settings(True, [m for m in config.get("PAYMENT_METHODS", METHODS) if m in METHODS],
                        int(config.get("KONBINI_EXPIRES_AFTER_DAYS", 3)))
    return Settings(row.enabled, [m for m in row.methods if m in METHODS], row.konbini_expires_after_days)


def methods_for(amount: int, settings: Settings) -> list[str]:
    """The municipality's methods that can take this amount (konbini: ¥120–¥300,000)."""
    return [m for m in settings.methods if m != "konbini" or KONBINI_MIN <= amount <= KONBINI_MAX]


def fee_record(dbs: Session, submission: Submission) -> SubmissionFee | None:
    return dbs.scalar(select(SubmissionFee).where(SubmissionFee.submission_id == submission.id))


def ensure_fee(dbs: Session, submission: Submission) -> SubmissionFee:
    """The submission's fee row, made (and committed) if missing. Call it with nothing else pending: it
    commits, and a concurrent maker's row wins (unique submission_id). No SAVEPOINT: with SQLite's
    driver a released savepoint that began the transaction commits everything flushed inside it."""
    fee = fee_record(dbs, submission)
    if fee is None:
        dbs.add(SubmissionFee(municipality_id=submission.municipality_id, submission_id=submission.id,
                              status="due"))
        try:
            dbs.commit()
        except IntegrityError:
            dbs.rollback()
        fee = fee_record(dbs, submission)
    return fee


def wants_payment(submission: Submission, fee: SubmissionFee | None) -> bool:
    return submission.fee_amount > 0 and submission.status not in UNWANTED and (fee is None or fee.status == "due")


def active_payment(dbs: Session, submission_id: int) -> Payment | None:
    return dbs.scalar(select(Payment).where(Payment.submission_id == submission_id, Payment.status.in_(ACTIVE)))


@dataclass
class FeeState:
    """What the resident's and the staff's pages show about a submission's fee."""

    amount: int
    #: none | due | waiting (konbini voucher issued) | paid | cash | exempt | refunded | not_due
    state: str
    fee: SubmissionFee | None
    active: Payment | None
    receipt: Payment | None
    payments: list[Payment]
    can_pay: bool
    methods: list[str]

    @property
    def tag(self) -> str:
        return {"due": "waiting_payment", "waiting": "waiting_payment", "paid": "paid", "cash": "paid",
                "exempt": "paid"}.get(self.state, "withdrawn")


def fee_state(dbs: Session, submission: Submission) -> FeeState:
    fee = fee_record(dbs, submission)
    payments = list(dbs.scalars(select(Payment).where(Payment.submission_id == submission.id)
                                .order_by(Payment.id.desc())))
    active = next((p for p in payments if p.status in ACTIVE), None)
    receipt = next((p for p in payments if fee is not None and p.id == fee.payment_id), None)
    if submission.fee_amount <= 0:
        state = "none"
    elif fee is not None and fee.status != "due":
        state = fee.status
    elif submission.status in UNWANTED:
        state = "not_due"
    elif active is not None and active.status == "processing":
        state = "waiting"
    else:
        state = "due"
    settings = settings_for(dbs, submission.municipality)
    methods = _methods(dbs, submission, settings) if settings.enabled else []
    return FeeState(submission.fee_amount, state, fee, active, receipt, payments,
                    can_pay=state == "due" and bool(methods) and wants_payment(submission, fee), methods=methods)


def _methods(dbs: Session, submission: Submission, settings: Settings) -> list[str]:
    return _kind(submission).payment_methods(dbs, submission, methods_for(submission.fee_amount, settings),
                                             settings.konbini_expires_after_days)


def _kind(submission: Submission):
    """The procedure kind, which may have its own say on paying (a booking's slots must still be held)."""
    from portal.procedures.kinds import KINDS

    return KINDS[submission.definition.kind]


# --- URLs outside a request (reconciliation runs from the command line) -----------------------------------

def public_url(endpoint: str, **values) -> str:
    parts = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


# --- the pay button --------------------------------------------------------------------------------------

def _checkout_request(payment: Payment, submission: Submission, methods: list[str], settings: Settings,
                      lang: str) -> CheckoutRequest:
    """Built only from stored data, so a retry with the same idempotency key sends the same parameters."""
    from portal.procedures.catalogue import definition_of

    # The resident reads the Checkout page in the language they applied in, whatever this request's language.
    with force_locale(submission.lang or "ja"):
        title = definition_of(submission.definition).title
        items = [LineItem(line.name, line.unit_amount, line.quantity)
                 for line in breakdown.of_submission(object_session(submission), submission, payment.amount)]
    slug = submission.municipality.slug
    base = dict(municipality=slug, payment_id=payment.id)
    return CheckoutRequest(
        amount=payment.amount,
        line_items=items,
        methods=methods,
        konbini_expires_after_days=settings.konbini_expires_after_days,
        success_url=public_url("payments.return_page", **base) + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=public_url("payments.cancel_page", **base),
        client_reference_id=submission.reference,
        metadata={"portal_payment_id": str(payment.id), "reference": submission.reference,
                  "municipality": slug, "municipality_code": submission.municipality.code},
        idempotency_key=payment.idempotency_key,
        customer_email=submission.contact_email or None,
        locale="en" if lang == "en" else "ja",
        description=f"{submission.municipality.name} {title} {submission.reference}",
    )


def start_checkout(dbs: Session, gw: PaymentGateway, submission: Submission, lang: str = "ja") -> Payment:
    """The one attempt to pay this submission's fee: an open one is reused, a double click finds the
    first click's row (one active payment per submission is a unique index) and asks the provider with
    the same idempotency key, so the provider makes one session. Returns a payment that is ``open``
    (redirect to ``checkout_url``) or ``processing`` (a konbini voucher is waiting)."""
    settings = settings_for(dbs, submission.municipality)
    if not settings.enabled:
        raise NotPayable("disabled")
    methods = _methods(dbs, submission, settings)
    if not methods:
        raise NotPayable("no_method")
    for _attempt in range(4):
        fee = ensure_fee(dbs, submission)
        if not wants_payment(submission, fee):
            raise NotPayable("not_due")
        refused = _kind(submission).payable(dbs, submission)
        if refused:
            raise NotPayable(refused)
        active = active_payment(dbs, submission.id)
        created_here = False
        if active is None:
            payment = Payment(municipality_id=submission.municipality_id, submission_id=submission.id,
                              amount=submission.fee_amount, currency="jpy", status="created",
                              provider=gw.name, idempotency_key=f"tmp-{secrets.token_hex(16)}")
            dbs.add(payment)
            try:
                dbs.flush()
            except IntegrityError:
                dbs.rollback()
                continue  # the other click made the attempt first: use that one
            # in the same transaction as the INSERT, so no other click ever sees the row without its key
            payment.idempotency_key = f"portal-payment-{payment.id}"
            states.record_creation(payment, "resident")
            dbs.commit()
            active, created_here = payment, True
        if active.status == "processing":
            return active
        if active.status == "open":
            try:
                state = gw.retrieve_checkout(active.provider_session_id)
            except GatewayError:
                if active.checkout_url:
                    return active  # the provider is slow: its page says if the session is still good
                raise
            if state.status == "open" and active.amount == submission.fee_amount:
                return active
            if state.status == "open":
                cancel_attempt(dbs, gw, active, "resident")
            else:
                sync_from_provider(dbs, gw, active.id, "reconciliation")
            continue
        # status "created": ask the provider (again, with the same key if the first try was cut short)
        try:
            state = gw.create_checkout(_checkout_request(active, submission, methods, settings, lang))
        except GatewayError as exc:
            if created_here and not exc.transient:
                note = str(exc)[:200]
                _with_payment(dbs, active.id, lambda p: p.status == "created" and states.transition(
                    p, "failed", "resident", note=note))  # noqa: B023  (_with_payment calls it at once)
            raise
        _with_payment(dbs, active.id, lambda p: _opened(p, state))  # noqa: B023  (called at once)
        return dbs.get(Payment, active.id)
    raise Conflict()


def _opened(payment: Payment, state: CheckoutState) -> None:
    if payment.status != "created":
        return
    payment.provider_session_id = state.id
    payment.checkout_url = state.url
    payment.provider_payment_intent_id = state.payment_intent_id
    states.transition(payment, "open", "resident")


def cancel_attempt(dbs: Session, gw: PaymentGateway, payment: Payment, source: str,
                   actor_id: int | None = None) -> Payment:
    """Stop an attempt nobody should pay any more: expire its session at the provider, then mark it
    canceled. If the session was paid meanwhile, the provider's answer wins (paid, flagged for refund)."""
    cancelable = {"created", "open"}
    if payment.status == "open" and payment.provider_session_id:
        try:
            gw.expire_checkout(payment.provider_session_id)
        except GatewayError as exc:
            if exc.transient:
                raise
            return sync_from_provider(dbs, gw, payment.id, "reconciliation")
        state = gw.retrieve_checkout(payment.provider_session_id)
        if state.status != "expired":
            return sync_from_provider(dbs, gw, payment.id, "reconciliation", state=state)
        # the provider's checkout.session.expired for our own expiry may have been handled already
        cancelable.add("expired")
    _with_payment(dbs, payment.id, lambda p: p.status in cancelable and states.transition(
        p, "canceled", source, actor_id=actor_id))
    return dbs.get(Payment, payment.id)


def cancel_voucher(dbs: Session, gw: PaymentGateway, payment: Payment, source: str,
                   actor_id: int | None = None) -> Payment:
    """Cancel a konbini voucher nobody should pay any more (its PaymentIntent, at the provider), then mark the
    attempt canceled. If the shop took the money first, the provider's answer wins (paid; flagged for refund
    when the submission no longer wants it)."""
    try:
        gw.cancel_payment(payment.provider_payment_intent_id)
    except GatewayError as exc:
        if exc.transient:
            raise
        return sync_from_provider(dbs, gw, payment.id, "reconciliation")
    _with_payment(dbs, payment.id, lambda p: p.status == "processing" and states.transition(
        p, "canceled", source, actor_id=actor_id))
    return dbs.get(Payment, payment.id)


def flag_for_refund(dbs: Session, payment_id: int, reason: str) -> None:
    """Staff must give this money back (the payments list's 「返金が必要」); commits."""
    _with_payment(dbs, payment_id, lambda p: _flag(p, reason))


def _with_payment(dbs: Session, payment_id: int, change: Callable[[Payment], object], attempts: int = 5):
    """Apply ``change`` to a freshly locked payment and commit; a concurrent writer (optimistic lock)
    makes it start over on the new state."""
    for attempt in range(attempts):
        try:
            payment = dbs.get(Payment, payment_id, with_for_update=True, populate_existing=True)
            result = change(payment)
            dbs.commit()
            return result
        except StaleDataError:
            dbs.rollback()
            if attempt == attempts - 1:
                raise


# --- what the provider says --------------------------------------------------------------------------------

def _target(payment: Payment, state: CheckoutState) -> str:
    paid = state.payment_status in ("paid", "no_payment_required") or state.payment_intent_status == "succeeded"
    if not paid:
        if state.status == "open":
            return "open"
        if state.status == "expired":
            return "expired"
        if state.payment_intent_status in ("requires_action", "processing"):
            return "processing"
        if state.payment_error_code == "payment_intent_payment_attempt_expired" \
                or state.payment_intent_status == "canceled":
            return "expired"
        return "failed"
    if payment.refunded_amount >= payment.amount:
        return "refunded"
    if payment.refunded_amount > 0:
        return "partially_refunded"
    return "paid"


def _needs_refund_list(payment: Payment, state: CheckoutState | None) -> bool:
    if state is None or not state.payment_intent_id:
        return False
    pending = any(r.status in ("requested", "pending", "requires_action") for r in payment.refunds)
    return state.amount_refunded != payment.refunded_amount or pending


def sync_from_provider(dbs: Session, gw: PaymentGateway, payment_id: int, source: str, *,
                       event_id: str | None = None, event_type: str = "", state: CheckoutState | None = None,
                       ) -> Payment:
    """Re-fetch the payment's session (and refunds) from the provider and apply it; commits.

    Applying is idempotent: the provider's current state is the target, so a replay, a duplicate or an
    out-of-order event changes nothing twice. With ``event_id`` the ``ProcessedEvent`` row is inserted in
    the same transaction; a concurrent delivery of the same event fails on its unique id and rolls back."""
    payment = dbs.get(Payment, payment_id)
    ensure_fee(dbs, payment.submission)
    if state is None and payment.provider_session_id:
        state = gw.retrieve_checkout(payment.provider_session_id)
    refunds = gw.list_refunds(state.payment_intent_id) if _needs_refund_list(payment, state) else None

    def change(p: Payment):
        if state is not None:
            apply_state(dbs, p, state, refunds, source, event_id)
        if event_id is not None:
            dbs.add(ProcessedEvent(provider=gw.name, event_id=event_id, type=event_type[:100], payment_id=p.id))
            dbs.flush()

    _with_payment(dbs, payment_id, change)
    return dbs.get(Payment, payment_id)


def apply_state(dbs: Session, payment: Payment, state: CheckoutState, refunds: list[ProviderRefund] | None,
                source: str, event_id: str | None = None, actor_id: int | None = None) -> None:
    """Bring ``payment`` (locked by the caller) in line with the provider's ``state``; no commit."""
    if payment.provider_session_id is None:
        payment.provider_session_id = state.id
    if state.payment_intent_id:
        payment.provider_payment_intent_id = state.payment_intent_id
    if state.charge_id:
        payment.provider_charge_id = state.charge_id
    if state.method:
        payment.method = state.method
    if state.voucher_url:
        payment.voucher_url = state.voucher_url
        payment.voucher_expires_at = state.voucher_expires_at
    if state.status == "open" and state.url:
        payment.checkout_url = state.url
    if refunds is not None:
        _merge_refunds(dbs, payment, refunds)
    target = _target(payment, state)
    if payment.status == "canceled" and target == "expired":
        target = "canceled"  # we expired it ourselves: the provider's "expired" is our "canceled"
    was_paid = payment.status in states.PAID
    was_waiting = payment.status == "processing"
    if payment.status != target:
        route = states.path(payment.status, target, source)
        if route is None:
            log.warning("payment %s: provider says %s, we have %s; not applied", payment.id, target, payment.status)
            return
        for step in route:
            states.transition(payment, step, source, event_id=event_id, actor_id=actor_id)
    if payment.status == "processing":
        _kind(payment.submission).payment_pending(dbs, payment.submission, payment)
        if not was_waiting and payment.voucher_url:
            _queue_paid_email(dbs, payment, waiting=True)
    if payment.status in states.PAID:
        if state.amount_total != payment.amount or state.currency.lower() != payment.currency:
            _flag(payment, "amount_mismatch")
        if not was_paid:
            _settle(dbs, payment)
        _after_refunds(dbs, payment)


def _flag(payment: Payment, reason: str) -> None:
    if payment.refunded_amount < payment.amount:
        payment.needs_refund = True
        payment.needs_refund_reason = reason


def _settle(dbs: Session, payment: Payment) -> None:
    """Money arrived: it pays the fee if the submission still wants it; otherwise it is flagged for refund."""
    submission = payment.submission
    fee = fee_record(dbs, submission)  # made by ensure_fee before the transaction began
    if fee is None:
        fee = SubmissionFee(municipality_id=submission.municipality_id, submission_id=submission.id, status="due")
        dbs.add(fee)
    if fee.payment_id == payment.id:
        return
    if submission.status in UNWANTED:
        _flag(payment, f"submission_{submission.status}")
    elif fee.status != "due":
        _flag(payment, f"fee_{fee.status}")
    elif payment.amount != submission.fee_amount:
        _flag(payment, "amount_mismatch")
    elif refused := _kind(submission).accept_payment(dbs, submission, payment):
        _flag(payment, refused)
    else:
        fee.status = "paid"
        fee.payment_id = payment.id
        fee.settled_at = payment.paid_at or utcnow()
        fee.updated_at = utcnow()
        _queue_paid_email(dbs, payment)


def _after_refunds(dbs: Session, payment: Payment) -> None:
    if payment.refunded_amount >= payment.amount:
        payment.needs_refund = False
    fee = fee_record(dbs, payment.submission)
    if fee is not None and fee.payment_id == payment.id:
        wanted = "refunded" if payment.status == "refunded" else "paid"
        if fee.status != wanted:
            fee.status = wanted
            fee.updated_at = utcnow()


def _merge_refunds(dbs: Session, payment: Payment, refunds: list[ProviderRefund]) -> None:
    known = {r.provider_refund_id: r for r in payment.refunds if r.provider_refund_id}
    unlinked = {str(r.id): r for r in payment.refunds if not r.provider_refund_id}
    for found in refunds:
        local = known.get(found.id) or unlinked.pop(found.metadata.get("portal_refund_id", ""), None)
        if local is None:
            local = Refund(municipality_id=payment.municipality_id, amount=found.amount,
                           reason=found.reason or "", provider_refund_id=found.id, status=found.status,
                           source="dashboard")
            payment.refunds.append(local)
            dbs.add(local)
        else:
            local.provider_refund_id = found.id
            local.status = found.status
            local.amount = found.amount
    payment.refunded_amount = sum(r.amount for r in payment.refunds if r.counts)


def _queue_paid_email(dbs: Session, payment: Payment, waiting: bool = False) -> None:
    """The fee was paid, or (``waiting``) a konbini voucher was issued: its number's page and deadline."""
    from portal.procedures.catalogue import definition_of

    submission = payment.submission
    if not submission.contact_email:
        return
    municipality = submission.municipality
    try:
        if _kind(submission).payment_email(dbs, submission, payment, waiting):
            return
        with force_locale(submission.lang):
            title = definition_of(submission.definition).title
        mail.queue(dbs, submission.contact_email, "payment_waiting" if waiting else "payment_received",
                   submission.lang, municipality.id,
                   municipality=municipality, submission=submission, payment=payment, title=title,
                   status_url=public_url("mypage.submission", municipality=municipality.slug,
                                         reference=submission.reference))
    except Exception:  # an email must never lose a payment
        log.exception("could not queue the payment email for payment %s", payment.id)


# --- webhooks ----------------------------------------------------------------------------------------------

def _payment_for_event(dbs: Session, gw: PaymentGateway, event: WebhookEvent) -> Payment | None:
    obj = event.object
    if event.type.startswith("checkout.session."):
        session_id = _text(obj.get("id"))
        payment = dbs.scalar(select(Payment).where(Payment.provider_session_id == session_id)) if session_id else None
        if payment is None:
            # made by us but not yet linked (a crash between the provider's answer and our commit)
            metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
            pid = parse_int(_text(metadata.get("portal_payment_id")), low=1)
            payment = dbs.get(Payment, pid) if pid is not None else None
            if payment is not None and payment.provider_session_id not in (None, session_id):
                payment = None
        return payment
    pi = _text(obj.get("payment_intent")) if obj.get("object") in ("charge", "refund") else None
    if not pi:
        return None
    payment = dbs.scalar(select(Payment).where(Payment.provider_payment_intent_id == pi))
    if payment is None:
        found = gw.find_checkout_for_payment_intent(pi)
        if found is not None:
            payment = dbs.scalar(select(Payment).where(Payment.provider_session_id == found.id))
    return payment


def _text(value) -> str | None:
    """A string field of a provider object, or None when it is missing or something else (a signed body
    is still the sender's data)."""
    return value if isinstance(value, str) and 0 < len(value) <= 255 else None


def handle_event(dbs: Session, gw: PaymentGateway, event: WebhookEvent) -> str:
    """Apply one verified event at most once. Returns processed | duplicate | ignored. A ``GatewayError``
    (the provider could not be asked) propagates so the webhook answers 5xx and the provider retries."""
    if event.type not in HANDLED_EVENTS:
        return "ignored"
    if dbs.scalar(select(ProcessedEvent.id).where(ProcessedEvent.event_id == event.id)) is not None:
        return "duplicate"
    payment = _payment_for_event(dbs, gw, event)
    try:
        if payment is None:
            dbs.add(ProcessedEvent(provider=gw.name, event_id=event.id, type=event.type[:100]))
            dbs.commit()
            return "ignored"
        session_id = payment.provider_session_id or _text(event.object.get("id"))
        state = gw.retrieve_checkout(session_id)
        sync_from_provider(dbs, gw, payment.id, "webhook", event_id=event.id, event_type=event.type, state=state)
    except IntegrityError:
        dbs.rollback()  # the same event, delivered twice at once: the other delivery applied it
        return "duplicate"
    return "processed"


# --- the back office -----------------------------------------------------------------------------------------

def refund(dbs: Session, gw: PaymentGateway, payment: Payment, amount: int, reason: str, staff_id: int | None,
           expected_version: int | None = None, audit: Callable[[Refund], None] | None = None,
           source: str = "staff") -> Refund:
    """Give back ``amount`` yen of a paid payment through the provider's Refunds API.

    The ``Refund`` row (with its idempotency key) is committed before the provider is called, bumping the
    payment's lock version: the second click of a double click fails as a ``Conflict``. If the answer is
    lost, reconciliation links the provider's refund by its ``portal_refund_id`` metadata. ``source``:
    staff, or resident (a booking cancelled within its free or partly refunded terms)."""
    reason = (reason or "").strip()
    if expected_version is not None and payment.lock_version != expected_version:
        raise Conflict()
    if not reason:
        raise RefundRefused("reason_required")
    if payment.status not in ("paid", "partially_refunded") or not payment.provider_payment_intent_id:
        raise RefundRefused("not_refundable")
    if not 1 <= amount <= payment.refundable_amount:
        raise RefundRefused("amount")
    record = Refund(municipality_id=payment.municipality_id, payment_id=payment.id, amount=amount, reason=reason,
                    status="requested", source=source, staff_id=staff_id)
    payment.updated_at = utcnow()
    dbs.add(record)
    try:
        dbs.flush()
        record.idempotency_key = f"portal-refund-{record.id}"
        if audit:
            audit(record)
        dbs.commit()
    except StaleDataError as exc:
        dbs.rollback()
        raise Conflict() from exc
    email = payment.submission.contact_email if payment.method == "konbini" else None
    try:
        found = gw.create_refund(payment.provider_payment_intent_id, amount, record.idempotency_key,
                                 {"portal_refund_id": str(record.id), "portal_payment_id": str(payment.id),
                                  "reference": payment.submission.reference}, email=email)
    except GatewayError as exc:
        if not exc.transient:
            record = dbs.get(Refund, record.id)
            record.status, record.error = "failed", str(exc)[:500]
            dbs.commit()
        raise

    def change(p: Payment):
        _merge_refunds(dbs, p, [found])
        target = "refunded" if p.refunded_amount >= p.amount else "partially_refunded"
        if p.status != target and states.allowed(p.status, target, source):
            states.transition(p, target, source, actor_id=staff_id)
        _after_refunds(dbs, p)

    _with_payment(dbs, payment.id, change)
    return dbs.get(Refund, record.id)


def settle_otherwise(dbs: Session, gw: PaymentGateway, submission: Submission, how: str, reason: str,
                     staff_id: int, audit: Callable[[SubmissionFee], None] | None = None) -> SubmissionFee:
    """Staff mark the fee exempt (減免, reason required) or paid at the counter in cash. An open online
    attempt is stopped first; a konbini voucher already issued may still be paid, and is then flagged
    for refund."""
    assert how in ("exempt", "cash")
    reason = (reason or "").strip()
    if how == "exempt" and not reason:
        raise RefundRefused("reason_required")
    active = active_payment(dbs, submission.id)
    if active is not None and active.status in ("created", "open"):
        cancel_attempt(dbs, gw, active, "staff", actor_id=staff_id)
    fee = ensure_fee(dbs, submission)
    dbs.refresh(fee)
    if fee.status != "due" or submission.fee_amount <= 0:
        raise NotPayable("not_due")
    fee.status = how
    fee.reason = reason
    fee.staff_id = staff_id
    fee.settled_at = utcnow()
    fee.updated_at = utcnow()
    if audit:
        audit(fee)
    try:
        dbs.commit()
    except StaleDataError as exc:
        dbs.rollback()
        raise Conflict() from exc
    return fee


def stale_created(dbs: Session, older_than: timedelta = timedelta(hours=1)):
    return dbs.scalars(select(Payment).where(Payment.status == "created",
                                             Payment.created_at < utcnow() - older_than)).all()
