"""The emails about one booking: confirmed, waiting for a konbini payment, cancelled by the resident (whole or
some slots, with the refund), and the lottery application received. Each names its subject — the facility and
its rooms, the address, the day and times in the language the resident booked in, the amount, the booking's
number and the page to act on it. Queued in the caller's transaction; the caller commits and sends."""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from portal.booking.models import LotteryApplication, Reservation, ReservationSlot
from portal.notifications import mail
from portal.procedures.models import Submission

log = logging.getLogger(__name__)


def _booking_url(reservation: Reservation) -> str:
    from portal.payments.service import public_url

    return public_url("booking.reservation", municipality=reservation.facility.municipality.slug,
                      reservation_id=reservation.id)


def _queue(dbs: Session, reservation: Reservation, template: str, recipient: str | None = None,
           submission: Submission | None = None, **context) -> None:
    from portal.booking.services.holders import holder

    if submission is None and reservation.submission_id is not None:
        submission = dbs.get(Submission, reservation.submission_id)
    who = holder(dbs, reservation)
    lang = submission.lang if submission is not None else reservation.lang
    facility = reservation.facility
    mail.queue(dbs, recipient or who.email, template, lang, facility.municipality_id,
               municipality=facility.municipality, facility=facility, reservation=reservation,
               submission=submission, name=who.name, booking_url=_booking_url(reservation), **context)


def queue_payment(dbs: Session, reservation: Reservation, submission: Submission, payment, waiting: bool) -> None:
    """The booking's fee was paid (the booking is confirmed), or a konbini voucher waits to be paid."""
    if not submission.contact_email:
        return
    _queue(dbs, reservation, "booking_waiting_payment" if waiting else "booking_confirmed",
           recipient=submission.contact_email, submission=submission, payment=payment,
           rows=reservation.live_slots)


def queue_cancelled(dbs: Session, reservation: Reservation, rows: list[ReservationSlot], *, whole: bool, fee: int,
                    refund: int, refund_pending: int) -> None:
    """The resident cancelled the booking, or some of its slots (``whole`` False: the rest stands)."""
    try:
        _queue(dbs, reservation, "booking_cancelled", rows=rows, whole=whole, fee=fee, refund=refund,
               refund_pending=refund_pending, remaining=[] if whole else reservation.live_slots)
    except Exception:  # noqa: BLE001 — the cancellation and its refund are done: an email must not undo them
        log.exception("could not queue the cancellation email for reservation %s", reservation.id)


def queue_lottery_applied(dbs: Session, application: LotteryApplication, choices: list[str], cal) -> None:
    """The lottery application was received: the preferences as chosen, and when the result comes."""
    from portal.payments.service import public_url

    facility = application.round.facility
    mail.queue(dbs, application.contact_email, "lottery_applied", application.lang, facility.municipality_id,
               municipality=facility.municipality, facility=facility, application=application, choices=choices,
               calendar=cal, status_url=public_url("booking.my_bookings", municipality=facility.municipality.slug))
