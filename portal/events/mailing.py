"""The emails of an application, each in the language applied in (``registration.lang``) and naming what, where,
when, how much and the page to act on: the application received (through the generic confirmation, with the
kind's partials), the fee paid with the ticket, a seat offered from the waiting list, a seat confirmed, the payment
deadline missed. The ones confirming a seat carry the ticket's QR code as a PNG. Queued in the caller's transaction."""
from __future__ import annotations

import logging

from flask_babel import force_locale
from sqlalchemy.orm import Session

from portal.events import applying, presenting, registration, tickets
from portal.events.models import EventRegistration
from portal.notifications import mail
from portal.procedures.models import Submission

log = logging.getLogger(__name__)


def qr_attachment(registration: EventRegistration) -> dict:
    return mail.attachment(f"ticket-{registration.reference}.png", "image/png",
                           tickets.qr_png(tickets.token(registration.ticket_secret)))


def _recipient(dbs: Session, registration: EventRegistration) -> str:
    if registration.contact_email:
        return registration.contact_email
    if registration.submission_id is not None:
        submission = dbs.get(Submission, registration.submission_id)
        if submission is not None and submission.contact_email:
            return submission.contact_email
    return ""


def _queue(dbs: Session, registration: EventRegistration, template: str, *, ticket: bool = False, **extra) -> None:
    from portal.clock import now
    from portal.identity.models import Resident

    recipient = _recipient(dbs, registration)
    if not recipient or not registration.reference:
        return
    try:
        event = registration.event
        lang = registration.lang or "ja"
        resident = dbs.get(Resident, registration.resident_id) if registration.resident_id else None
        with force_locale(lang):
            details = presenting.context(dbs, registration, now())
        mail.queue(dbs, recipient, template, lang, event.municipality_id,
                   attachments=[qr_attachment(registration)] if ticket and registration.ticket_secret else None,
                   municipality=event.municipality, name=applying.person_name(registration, resident),
                   kind_context=details, **details, **extra)
    except Exception:  # noqa: BLE001 — the change is made: an email must not undo it
        log.exception("could not queue %s for event registration %s", template, registration.id)


def queue_confirmed(dbs: Session, registration: EventRegistration) -> None:
    """A seat is confirmed without a payment (an accepted offer of a free event, a free lottery win): the ticket."""
    _queue(dbs, registration, "event_confirmed", ticket=True)


def queue_payment(dbs: Session, registration: EventRegistration, submission: Submission, payment,
                  waiting: bool) -> None:
    """The fee was paid (the seat is confirmed: the ticket), or a konbini voucher waits to be paid."""
    _queue(dbs, registration, "event_payment_waiting" if waiting else "event_payment_received",
           ticket=not waiting and registration.status == "confirmed", payment=payment)


def queue_offer(dbs: Session, registration: EventRegistration) -> None:
    """A seat freed and is held for this waiting registration until ``offer_expires_at``."""
    _queue(dbs, registration, "event_offer")


registration.listen_for_offers("email", queue_offer)


def queue_payment_lapsed(dbs: Session, registration: EventRegistration) -> None:
    """The fee was not paid by ``pay_by``: the seat went back."""
    _queue(dbs, registration, "event_payment_lapsed")
