"""Cancelling a registration — by the resident before the event's deadline, or by staff for a cancelled session
or event — with what happens to the seat and the money decided in one place.

The order is the one that loses nothing: the money's plan is read first (``portal.payments.withdrawal.plan``:
paid, an open checkout, a konbini voucher waiting, partly refunded, paid at the counter); then the registration is
claimed by a conditional UPDATE on its status (``registration.cancel``: a double click, the lapse job or an offer at
the same moment change nothing twice), its seats go back and the waiting list is offered them, its submission is
closed so money arriving later is flagged for refund, and that is committed; only then is the provider asked
(``withdrawal.carry_out``: a checkout expired, a voucher cancelled, a paid fee refunded in full — or flagged
「返金が必要」 for staff when the portal cannot give it back itself); then the email, in the language applied in.

The event's refund rule: a resident may cancel until ``cancel_until_hours`` before the first session's start and
gets a paid fee back in full; after that the page says to contact the organiser. Staff cancelling a session or the
event always refund in full.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.events import registration as registering, venue
from portal.events.models import HOLDING_SEATS, Event, EventRegistration, EventSession, RegistrationSession
from portal.identity.models import Resident
from portal.notifications import mail
from portal.payments import service as payments, withdrawal
from portal.payments.models import Payment
from portal.payments.service import public_url
from portal.procedures import workflow
from portal.procedures.catalogue import definition_of
from portal.procedures.history import SubmissionEvent
from portal.procedures.models import Submission
from portal.templating import jst, yen
from portal.timezone import TOKYO

log = logging.getLogger(__name__)

#: statuses a registration can be cancelled from (the rest have ended: lost, lapsed, cancelled, withdrawn)
CANCELLABLE = (*HOLDING_SEATS, "waiting", "applied")
#: ``cancel_reason`` of a registration its resident cancelled; staff cancellations store their reason
BY_RESIDENT = "resident"
MAX_REASON = 100   # EventRegistration.cancel_reason
REFUND_REASON_RESIDENT = "イベント申込の取消"
REFUND_REASON_STAFF = "イベントの中止"

Audit = Callable[..., None]

#: outcome → (what the confirmation page says will happen, what the email and the page say has happened)
TEXTS = {
    "refund": (_l("お支払いの %(amount)s は全額返金されます。"), _l("お支払いの %(amount)s を全額返金しました。")),
    "unpaid": (_l("参加費 %(amount)s はまだお支払いいただいていません。取り消すと請求はなくなり、"
                  "お支払いの画面は使えなくなります。"),
               _l("参加費 %(amount)s はお支払い前のため、請求はありません。お支払いの画面は使えなくなりました。")),
    "voucher": (_l("発行したコンビニ払込票（%(amount)s）は無効になり、お支払いできなくなります。"),
                _l("発行したコンビニ払込票（%(amount)s）は無効にしました。お支払いにならないでください。")),
    "staff": (_l("お支払いの %(amount)s は、担当課が返金の手続きをしてご連絡します。"),
              _l("お支払いの %(amount)s は、担当課が返金の手続きをしてご連絡します。")),
    "cash": (_l("窓口でお支払いいただいた参加費 %(amount)s は、窓口で返金します。担当課にお問い合わせください。"),
             _l("窓口でお支払いいただいた参加費 %(amount)s は、窓口で返金します。担当課にお問い合わせください。")),
    "none": (_l("参加費のお支払いはありません。"), _l("参加費のお支払いはありません。")),
}
#: how long a refund takes to arrive, by the method paid with (the short note after the amount)
REFUND_TIMES = {
    "card": _l("カードへの返金は数日かかります"),
    "konbini": _l("コンビニでのお支払いは銀行振込で返金します。振込先をうかがうメールが届きます"),
    "paypay": _l("PayPay の残高に返金します"),
}


# --- the money ----------------------------------------------------------------------------------------------------

def submission_of(dbs: Session, registration: EventRegistration) -> Submission | None:
    return dbs.get(Submission, registration.submission_id) if registration.submission_id else None


def money_plan(dbs: Session, registration: EventRegistration) -> withdrawal.Plan:
    """What cancelling does to the registration's fee. The payments package reads the payment's state; the
    event's rule is a full refund (whatever the questions' definition says about withdrawals)."""
    submission = submission_of(dbs, registration)
    if submission is None or submission.status in payments.UNWANTED:
        return withdrawal.Plan("none", 0)
    plan = withdrawal.plan(dbs, submission)
    if plan.outcome == "staff" and plan.reason == "withdrawn_staff_refund" and plan.payment is not None \
            and plan.payment.provider_payment_intent_id:
        return withdrawal.Plan("refund", plan.amount, refund=plan.amount, payment=plan.payment)
    return plan


def money_text(plan: withdrawal.Plan, done: bool = False) -> str:
    """The plan in the current language: 「お支払いの 1,800円 は全額返金されます（カードへの返金は数日かかります）」."""
    amount = plan.refund if plan.outcome == "refund" else plan.amount
    text = str(TEXTS[plan.outcome][1 if done else 0] % {"amount": yen(amount)})
    method = plan.payment.method if plan.payment is not None else None
    if plan.outcome == "refund" and method in REFUND_TIMES:
        note = str(REFUND_TIMES[method])
        text = text[:-1] + f"（{note}）" + text[-1] if text.endswith("。") else f"{text} ({note})"
    return text


# --- what cancelling would do ---------------------------------------------------------------------------------------

def sessions_of(dbs: Session, registration: EventRegistration) -> list[EventSession]:
    return list(dbs.scalars(select(EventSession)
                            .join(RegistrationSession, RegistrationSession.session_id == EventSession.id)
                            .where(RegistrationSession.registration_id == registration.id)
                            .order_by(EventSession.starts_at)))


def deadline(event: Event, sessions: list[EventSession]) -> datetime | None:
    """Until when the resident may cancel: ``cancel_until_hours`` before the (first) session's start."""
    starts = [s.starts_at for s in sessions] or [s.starts_at for s in event.sessions]
    return min(starts) - timedelta(hours=event.cancel_until_hours) if starts else None


@dataclass
class Quote:
    """What the confirmation page says: which sessions, whether the seat goes to the waiting list, the money."""

    registration: EventRegistration
    sessions: list[EventSession]
    #: "" (it may be cancelled) | ended (nothing left to cancel) | deadline (past it: contact the organiser)
    refused: str
    deadline: datetime | None
    plan: withdrawal.Plan
    #: the seats go back and the first on the waiting list is offered them
    frees_seats: bool
    waitlist: bool

    @property
    def allowed(self) -> bool:
        return not self.refused


def quote(dbs: Session, registration: EventRegistration, now: datetime) -> Quote:
    event = registration.event
    sessions = sessions_of(dbs, registration)
    until = deadline(event, sessions)
    refused = ""
    if registration.status not in CANCELLABLE:
        refused = "ended"
    elif registration.status in ("confirmed", "pending_payment") and until is not None and now >= until:
        refused = "deadline"
    elif sessions and now >= sessions[0].starts_at:
        refused = "deadline"   # leaving the waiting list (or an offer, a lottery entry) ends when the event starts
    plan = money_plan(dbs, registration) if not refused else withdrawal.Plan("none", 0)
    return Quote(registration, sessions, refused, until, plan, registration.status in HOLDING_SEATS,
                 event.waitlist)


# --- cancelling ---------------------------------------------------------------------------------------------------

@dataclass
class Cancelled:
    """One registration cancelled, as the staff's report and the resident's page show it."""

    registration_id: int
    reference: str
    name: str
    phone: str
    email: str
    party_size: int
    #: what was done with the money
    plan: withdrawal.Plan
    #: the refund was planned but the provider refused it: flagged for staff
    refund_failed: bool = False
    sessions: list[str] = field(default_factory=list)


def _claim(dbs: Session, registration: EventRegistration, reason: str, now: datetime) -> bool:
    if not registering.cancel(dbs, registration, now=now):
        return False
    dbs.execute(update(EventRegistration).where(EventRegistration.id == registration.id)
                .values(cancel_reason=reason[:MAX_REASON]), execution_options={"synchronize_session": False})
    dbs.expire(registration)
    return True


def _close_submission(dbs: Session, submission: Submission, by: str, staff_id: int | None) -> None:
    """The registration's submission no longer wants its fee: withdrawn, so money arriving later is flagged for
    refund. The resident withdraws it the ordinary way; staff cancelling is recorded as theirs (the workflow
    lets only residents withdraw, so this bypasses it — the booking does the same for a closed facility)."""
    if submission.status in payments.UNWANTED:
        return
    if by == "resident" and workflow.can_withdraw(submission):
        workflow.transition(dbs, submission, "withdrawn", workflow.Actor("resident", submission.resident_id))
        return
    dbs.add(SubmissionEvent(submission_id=submission.id, from_status=submission.status, to_status="withdrawn",
                            actor_kind="resident" if by == "resident" else "staff", actor_id=staff_id,
                            message="イベント申込の取消"))
    submission.status = "withdrawn"


def cancel_by_resident(dbs: Session, gateway_of, registration: EventRegistration, *, now: datetime,
                       audit: Audit | None = None) -> Cancelled | None:
    """The resident cancels within the event's terms. Commits. None when nothing was cancelled: past the
    deadline, already ended, or a second click (the first one's cancellation stands)."""
    dbs.refresh(registration)
    terms = quote(dbs, registration, now)
    if not terms.allowed:
        return None
    done = _cancel(dbs, gateway_of, registration, reason=BY_RESIDENT, by="resident", staff_id=None, now=now,
                   audit=audit)
    if done is not None:
        _email(dbs, registration, done, "event_cancelled", now=now)
    return done


def cancel_by_staff(dbs: Session, gateway_of, registration: EventRegistration, reason: str, staff_id: int, *,
                    now: datetime, scope: str = "session", audit: Audit | None = None) -> Cancelled | None:
    """Staff cancel it (its session or the event is cancelled): always a full refund; the participant is emailed
    with the reason and the organiser's contact. Commits. None when it had ended already (nothing changes
    twice). ``scope``: session | event, for the email."""
    dbs.refresh(registration)   # the session keeps what it loaded across commits: read the status as it is now
    if registration.status not in CANCELLABLE:
        return None
    done = _cancel(dbs, gateway_of, registration, reason=reason, by="staff", staff_id=staff_id, now=now,
                   audit=audit)
    if done is not None:
        _email(dbs, registration, done, "event_cancelled_by_city", now=now, reason=reason, scope=scope)
    return done


def _cancel(dbs: Session, gateway_of, registration: EventRegistration, *, reason: str, by: str,
            staff_id: int | None, now: datetime, audit: Audit | None) -> Cancelled | None:
    reg_id, party_size = registration.id, registration.party_size
    who = person(dbs, registration)
    labels = [session_label(s) for s in sessions_of(dbs, registration)]
    for _attempt in range(3):
        dbs.refresh(registration)
        status = registration.status
        if status not in CANCELLABLE:
            dbs.rollback()
            return None
        plan = money_plan(dbs, registration)   # read before the submission is closed, as a withdrawal does
        if _claim(dbs, registration, reason, now):
            break
        # moved on meanwhile (an offer accepted, a payment confirmed): cancel it from where it is now
    else:
        dbs.rollback()
        return None
    submission = submission_of(dbs, registration)
    if submission is not None:
        _close_submission(dbs, submission, by, staff_id)
    if audit is not None:
        audit("events.registration_cancel" if by == "resident" else "events.registration_cancel_by_staff",
              "event_registration", reg_id, reference=registration.reference or "", status=status,
              party_size=party_size, money=plan.outcome, refund=plan.refund if plan.outcome == "refund" else 0,
              **({"reason": reason} if by == "staff" else {}))
    dbs.commit()
    if submission is not None and plan.outcome in ("unpaid", "voucher"):
        fee = payments.fee_record(dbs, submission)
        if fee is not None:
            dbs.refresh(fee)
        if fee is not None and fee.status == "paid" and fee.payment_id is not None:
            # paid at that very moment, before the submission was closed: the money goes back all the same
            paid = dbs.get(Payment, fee.payment_id, populate_existing=True)
            if paid.refundable_amount > 0:
                plan = withdrawal.Plan("refund", submission.fee_amount, refund=paid.refundable_amount, payment=paid)
    done = plan
    if submission is not None and plan.outcome != "none":
        done = withdrawal.carry_out(dbs, gateway_of, submission, plan,
                                    reason=REFUND_REASON_RESIDENT if by == "resident" else REFUND_REASON_STAFF,
                                    source=by, staff_id=staff_id)
    registration = dbs.get(EventRegistration, reg_id)
    return Cancelled(reg_id, registration.reference or "", who.name, who.phone, registration.contact_email,
                     party_size, done, refund_failed=plan.outcome == "refund" and done.outcome != "refund",
                     sessions=labels)


# --- who: name, phone ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    name: str
    phone: str = ""


def person(dbs: Session, registration: EventRegistration) -> Person:
    """The registration's person as staff read them out: the card's name (or the answers' or the walk-in's), and
    the phone number from the answers of the event's questions."""
    submission = submission_of(dbs, registration)
    resident = dbs.get(Resident, registration.resident_id) if registration.resident_id else None
    name = registration.walk_in_name or (resident.display_name if resident else "") \
        or (submission.applicant_name if submission is not None else "")
    return Person(name, _phone(submission) if submission is not None else "")


def _phone(submission: Submission) -> str:
    answers = submission.answers or {}
    try:
        fields = definition_of(submission.definition).fields
    except Exception:  # noqa: BLE001 — a phone number is a convenience: never fail a cancellation for it
        fields = {}
    for field_id, found in fields.items():
        if found.spec.get("type") == "phone" and answers.get(field_id):
            return str(answers[field_id])
    return str(answers.get("phone") or "")


def session_label(session: EventSession) -> str:
    return f"{jst(session.starts_at)}–{session.ends_at.astimezone(TOKYO):%H:%M}"


# --- the email --------------------------------------------------------------------------------------------------

def _email(dbs: Session, registration: EventRegistration, done: Cancelled, template: str, *, now: datetime,
           **context) -> None:
    registration = dbs.get(EventRegistration, done.registration_id)
    if not registration.contact_email:
        return
    event = dbs.get(Event, registration.event_id)
    municipality = event.municipality
    lang = registration.lang or "ja"
    try:
        with force_locale(lang):   # the texts are rendered here, in the resident's language
            money = money_text(done.plan, done=True)
            route = done.plan.route if done.plan.outcome == "refund" else ""
            sessions = [session_label(s) for s in sessions_of(dbs, registration)]
            when = jst(now)
        title = (event.title_en or event.title) if lang == "en" else event.title
        url = public_url("events.registration", municipality=municipality.slug,
                         reference=registration.reference) if registration.reference else \
            public_url("events.detail", municipality=municipality.slug, slug=event.slug)
        mail.queue(dbs, registration.contact_email, template, lang, municipality.id, municipality=municipality,
                   event=event, event_title=title, registration=registration, name=done.name, sessions=sessions,
                   money=money, route=route, refund_failed=done.refund_failed, cancelled_at=when, url=url,
                   **context)
        dbs.commit()
    except Exception:  # noqa: BLE001 — the cancellation and its refund are done: an email must not undo them
        dbs.rollback()
        log.exception("could not queue the cancellation email of registration %s", registration.id)


# --- staff: a session or the whole event --------------------------------------------------------------------------

def affected(dbs: Session, *, session: EventSession | None = None, event: Event | None = None
             ) -> list[EventRegistration]:
    """The registrations still live on the session (any of a series' sessions counts) or on the event."""
    statement = select(EventRegistration).where(EventRegistration.status.in_(CANCELLABLE))
    if session is not None:
        statement = statement.where(EventRegistration.id.in_(
            select(RegistrationSession.registration_id).where(RegistrationSession.session_id == session.id)))
    else:
        statement = statement.where(EventRegistration.event_id == event.id)
    return list(dbs.scalars(statement.order_by(EventRegistration.created_at, EventRegistration.id)))


@dataclass
class Preview:
    """The staff confirmation page's figures."""

    registrations: list[EventRegistration]
    #: registrations holding seats, and their people
    holding: int
    people: int
    waiting: int
    paid: int
    refund_total: int
    #: paid at the counter: handed back there
    cash: int
    vouchers: int
    unpaid: int
    without_email: int
    plans: dict[int, withdrawal.Plan]
    people_of: dict[int, Person]


def preview(dbs: Session, registrations: list[EventRegistration]) -> Preview:
    plans = {r.id: money_plan(dbs, r) for r in registrations}
    holding = [r for r in registrations if r.status in HOLDING_SEATS]
    refunds = [p for p in plans.values() if p.outcome in ("refund", "staff")]
    return Preview(registrations, len(holding), sum(r.party_size for r in holding),
                   sum(1 for r in registrations if r.status in ("waiting", "applied")),
                   len(refunds), sum(refund_amount(p) for p in refunds),
                   sum(1 for p in plans.values() if p.outcome == "cash"),
                   sum(1 for p in plans.values() if p.outcome == "voucher"),
                   sum(1 for p in plans.values() if p.outcome == "unpaid"),
                   sum(1 for r in registrations if not r.contact_email), plans,
                   {r.id: person(dbs, r) for r in registrations})


def refund_amount(plan: withdrawal.Plan) -> int:
    """What goes back: refunded by the portal, or (``staff``) flagged for staff to give back."""
    return plan.refund if plan.outcome == "refund" else plan.amount if plan.outcome == "staff" else 0


def parse_reason(text: str) -> tuple[str, str | None]:
    """The staff's reason (shown in the emails), or the error message."""
    reason = " ".join((text or "").split())
    if not reason:
        return "", str(_l("中止の理由を入力してください（メールでお知らせします）。"))
    if len(reason) > MAX_REASON:
        return reason, str(_l("中止の理由は%(n)s文字以内で入力してください。", n=MAX_REASON))
    return reason, None


@dataclass
class Report:
    cancelled: list[Cancelled] = field(default_factory=list)

    @property
    def refunded(self) -> int:
        return sum(c.plan.refund for c in self.cancelled if c.plan.outcome == "refund")

    @property
    def refund_failures(self) -> list[Cancelled]:
        return [c for c in self.cancelled if c.plan.outcome == "staff"]

    @property
    def not_emailed(self) -> list[Cancelled]:
        return [c for c in self.cancelled if not c.email]


def cancel_session(dbs: Session, gateway_of, session: EventSession, reason: str, staff_id: int, *, now: datetime,
                   audit: Audit) -> Report | None:
    """The session is cancelled first (a conditional UPDATE: nobody takes a seat on it meanwhile, and a second
    POST finds it cancelled and changes nothing), then every registration on it — a series' registration with
    it — with a full refund and an email. Commits per registration: one failing refund, or a resident cancelling
    at that very moment, does not stop the others. None when the session was cancelled already."""
    claimed = dbs.execute(update(EventSession).where(EventSession.id == session.id, EventSession.status == "open")
                          .values(status="cancelled"), execution_options={"synchronize_session": False})
    if claimed.rowcount != 1:
        dbs.rollback()
        return None
    dbs.expire(session)
    report = _cancel_all(dbs, gateway_of, affected(dbs, session=session), reason, staff_id, now=now, audit=audit,
                         scope="session", action=("events.session_cancel", "event_session", session.id),
                         event_id=session.event_id)
    venue.release_session_blocks(dbs, session, now, audit)   # the facility's slots are free for residents again
    return report


def cancel_event(dbs: Session, gateway_of, event: Event, reason: str, staff_id: int, *, now: datetime,
                 audit: Audit) -> Report | None:
    """Every session and the event cancelled (unpublished from the list as 中止), then every registration as
    :func:`cancel_session` does. None when the event was cancelled already."""
    claimed = dbs.execute(update(Event).where(Event.id == event.id, Event.status != "cancelled")
                          .values(status="cancelled"), execution_options={"synchronize_session": False})
    if claimed.rowcount != 1:
        dbs.rollback()
        return None
    dbs.execute(update(EventSession).where(EventSession.event_id == event.id, EventSession.status == "open")
                .values(status="cancelled"), execution_options={"synchronize_session": False})
    dbs.expire(event)
    for s in list(dbs.identity_map.values()):
        if isinstance(s, EventSession) and s.event_id == event.id:
            dbs.expire(s)
    report = _cancel_all(dbs, gateway_of, affected(dbs, event=event), reason, staff_id, now=now, audit=audit,
                         scope="event", action=("events.event_cancel", "event", event.id), event_id=event.id)
    venue.release_event_blocks(dbs, event, now, audit)
    return report


def _cancel_all(dbs: Session, gateway_of, registrations: list[EventRegistration], reason: str, staff_id: int, *,
                now: datetime, audit: Audit, scope: str, action: tuple[str, str, int], event_id: int) -> Report:
    found = preview(dbs, registrations)
    name, object_type, object_id = action
    audit(name, object_type, object_id, event_id=event_id, reason=reason, registrations=len(registrations),
          people=found.people, paid=found.paid, refund_total=found.refund_total,
          without_email=found.without_email)
    dbs.commit()
    report = Report()
    for registration in registrations:
        done = cancel_by_staff(dbs, gateway_of, registration, reason, staff_id, now=now, scope=scope, audit=audit)
        if done is not None:
            report.cancelled.append(done)
    return report


def cancelled_by_staff(dbs: Session, *, session: EventSession | None = None, event: Event | None = None
                       ) -> list[EventRegistration]:
    """The registrations staff cancelled with the session (or the event): the list to phone is made from these,
    so it can be printed again later."""
    statement = select(EventRegistration).where(EventRegistration.status.in_(("cancelled", "withdrawn")),
                                                EventRegistration.cancel_reason.not_in(("", BY_RESIDENT)))
    if session is not None:
        statement = statement.where(EventRegistration.id.in_(
            select(RegistrationSession.registration_id).where(RegistrationSession.session_id == session.id)))
    else:
        statement = statement.where(EventRegistration.event_id == event.id)
    return list(dbs.scalars(statement.order_by(EventRegistration.created_at, EventRegistration.id)))


@dataclass(frozen=True)
class ToPhone:
    registration: EventRegistration
    person: Person
    #: the refund (automatic, or flagged for staff), the cash to hand back, or nothing
    plan: withdrawal.Plan


def to_phone(dbs: Session, registrations: list[EventRegistration]) -> list[ToPhone]:
    """Those staff must phone: no email address (walk-ins, counter registrations)."""
    return [ToPhone(r, person(dbs, r), refund_state(dbs, r)) for r in registrations if not r.contact_email]


def refund_state(dbs: Session, registration: EventRegistration) -> withdrawal.Plan:
    """After the cancellation, where the money stands (for the registration's page and the phone list):
    refund (given back or on its way) | staff (flagged: staff give it back) | cash | none."""
    submission = submission_of(dbs, registration)
    if submission is None:
        return withdrawal.Plan("none", 0)
    state = payments.fee_state(dbs, submission)
    if state.state == "cash":
        return withdrawal.Plan("cash", submission.fee_amount)
    paid = [p for p in state.payments if p.status in ("paid", "partially_refunded", "refunded")]
    flagged = next((p for p in paid if p.needs_refund), None)
    if flagged is not None:
        return withdrawal.Plan("staff", flagged.amount - flagged.refunded_amount, payment=flagged,
                               reason=flagged.needs_refund_reason)
    refunded = next((p for p in paid if p.refunded_amount), None)
    if refunded is not None:
        return withdrawal.Plan("refund", submission.fee_amount, refund=refunded.refunded_amount, payment=refunded)
    return withdrawal.Plan("none", submission.fee_amount)


def payment_of(dbs: Session, plan: withdrawal.Plan) -> Payment | None:
    return dbs.get(Payment, plan.payment.id) if plan.payment is not None else None
