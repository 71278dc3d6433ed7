"""Event sign-up (イベント・講座申込) as a procedure kind: the event's questions are a definition of kind ``event``,
answered for a registration (the chosen session and party) that the event's page made with the draft.

The seats are taken when the answers are submitted (``on_submit``, through ``portal.events.registration.apply``):
first come → confirmed (free) or pending payment until ``pay_by``; full → the waiting list, or refused; lottery →
an entry in the draw. The fee is the party's, per participant type, and falls due only for a held seat.

Declared as the entry point ``event`` of the group ``portal.kinds`` (pyproject.toml).
"""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from portal.procedures.kinds.base import N_, KindRefused, ProcedureKind


def _now():
    from portal.clock import now

    return now()


def _registration(session, draft=None, submission=None):
    from portal.events import applying

    return applying.for_submission(session, submission) if submission is not None \
        else applying.for_draft(session, draft)


class EventKind(ProcedureKind):
    name = "event"
    computes_fees = True
    fee_label = N_("参加費")
    # a registration is cancelled from its own page, where the event's cancellation terms and refund are shown
    withdrawable = False
    # at the counter staff add a participant from the event's participant list, not from an empty form
    offered_at_counter = False
    # the questions are answered for an event chosen on the events' pages, never started from the catalogue
    in_catalogue = False
    partials = {
        "step_notice": "events/kind/_step_notice.html",
        "check": "events/kind/_check.html",
        "confirmation_notice": "events/kind/_outcome.html",
        "confirmation": "events/kind/_summary.html",
        "mypage_draft": "events/kind/_draft_note.html",
        "mypage_delete_draft": "events/kind/_delete_draft.html",
        "mypage_submission": "events/kind/_summary.html",
        "payment_return": "events/kind/_payment_return.html",
        "staff_detail": "events/kind/_staff_detail.html",
        "email_subject": "email/event_application_subject.txt",
        "email_details": "email/event_application_details.txt",
        "email_fee_note": "email/event_application_fee_note.txt",
    }

    def check(self, content: dict) -> str | None:
        if (content.get("fee") or {}).get("rule") != "kind":
            return "fee: an event's fee is its party's, per participant type; declare fee: {rule: kind}"
        if content.get("audience") == "anyone":
            return "audience: event applications are made by signed-in residents (caps bind the verified person)"
        return None

    def computed_fee(self, content: dict, answers: dict) -> int:
        raise KindRefused("an event's fee comes from its registration's party, not from answers")

    def start_url(self, row) -> str | None:
        """An application starts from the event's page (its dates and party), not from an empty form."""
        return url_for("events.index")

    def resident_home(self) -> tuple[str, str] | None:
        return url_for("events.my_registrations"), _("イベント・講座の申込")

    def page_context(self, session, draft=None, submission=None) -> dict:
        from portal.events import presenting

        registration = _registration(session, draft, submission)
        return presenting.context(session, registration, _now()) if registration is not None else {}

    def fee_items(self, session, draft=None, submission=None) -> list[tuple[str, int]] | None:
        from portal.events import applying
        from portal.i18n import current_lang

        registration = _registration(session, draft, submission)
        if registration is None:
            return None
        return applying.fee_items(registration.event, registration.party, current_lang())

    def draft_fee(self, session, draft, answers: dict) -> int:
        from portal.events import registration as service

        registration = _registration(session, draft)
        return service.fee_for(registration.event, registration.party) if registration is not None else 0

    def submit_held_back(self, session, draft) -> str | None:
        registration = _registration(session, draft)
        if registration is None:
            return _("申し込む日程と人数が選ばれていません。催しのページから選び直してください。")
        return None

    def before_submit(self, session, draft) -> None:
        from portal.events import applying

        refusal = applying.check_before_submit(session, _registration(session, draft), draft, _now())
        if refusal:
            raise KindRefused(refusal, "event_refused")

    def on_submit(self, session, draft, submission) -> None:
        from portal.events import applying, registration as service

        registration = _registration(session, draft)
        try:
            applying.submit(session, registration, submission, now=_now())
        except service.RegistrationRefused as refused:
            raise KindRefused(applying.refused_message(refused), refused.code) from None

    def on_discard(self, session, draft) -> None:
        """The draft registration goes with the draft (it holds no seats)."""
        registration = _registration(session, draft)
        if registration is not None and registration.status == "draft":
            session.delete(registration)

    def payable(self, session, submission) -> str | None:
        from portal.events import applying

        registration = _registration(session, submission=submission)
        return applying.payable(registration, _now()) if registration is not None else None

    def payment_methods(self, session, submission, methods: list[str], konbini_days: int) -> list[str]:
        """Konbini only when its voucher's days fit before the seat's payment deadline: a seat is not held past it."""
        from datetime import timedelta

        registration = _registration(session, submission=submission)
        if registration is None or registration.pay_by is None \
                or registration.pay_by >= _now() + timedelta(days=konbini_days):
            return methods
        return [m for m in methods if m != "konbini"]

    def payment_pending(self, session, submission, payment) -> None:
        """A konbini voucher: the seat waits for the shop payment until the voucher runs out."""
        registration = _registration(session, submission=submission)
        if registration is not None and registration.status == "pending_payment" \
                and payment.voucher_expires_at is not None \
                and (registration.pay_by is None or registration.pay_by < payment.voucher_expires_at):
            registration.pay_by = payment.voucher_expires_at

    def payment_email(self, session, submission, payment, waiting: bool) -> bool:
        from portal.events import mailing

        registration = _registration(session, submission=submission)
        if registration is None:
            return False
        mailing.queue_payment(session, registration, submission, payment, waiting)
        return True

    def accept_payment(self, session, submission, payment) -> str | None:
        from portal.events import applying

        registration = _registration(session, submission=submission)
        if registration is None:
            return None
        return applying.accept_payment(session, registration, _now())

    def after_transition(self, session, submission, frm: str, to: str) -> None:
        """A rejected or withdrawn application gives its seats back (the waiting list is offered them), and a fee
        it paid is flagged for refund."""
        from portal.events import registration as service

        if to not in ("rejected", "withdrawn"):
            return
        from sqlalchemy import select

        from portal.payments.models import Payment

        registration = _registration(session, submission=submission)
        if registration is None or not service.cancel(session, registration, now=_now()):
            return
        # a fee paid is flagged for the refund staff make under お支払い (a transition never talks to the provider)
        payment = session.scalar(select(Payment).where(Payment.submission_id == submission.id,
                                                       Payment.status.in_(("paid", "partially_refunded"))))
        if payment is not None and payment.refunded_amount < payment.amount:
            payment.needs_refund, payment.needs_refund_reason = True, f"submission_{to}"

    def email_attachments(self, session, submission) -> list[dict]:
        """The confirmation of a seat carries the ticket's QR code."""
        from portal.events import mailing

        registration = _registration(session, submission=submission)
        if registration is None or registration.status != "confirmed":
            return []
        return [mailing.qr_attachment(registration)]
