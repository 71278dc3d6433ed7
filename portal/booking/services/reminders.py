"""The day-before reminder: every confirmed booking a resident made online (first-come or a lottery win) is
emailed once, from 9:00 Tokyo time on the day before its first slot, in the language they booked in.

A periodic task runs it (portal.tasks; `flask booking tick` by hand). Each reminder is claimed by an UPDATE of
``reminded_at`` in the transaction that queues its email, so a second run, or two consumers at once, never send
one twice."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.booking.domain.calendar import jst, local_date, to_local
from portal.booking.models import Reservation, ReservationSlot
from portal.booking.services.holders import holder
from portal.notifications import mail
from portal.payments.service import public_url
from portal.procedures.models import Submission

#: not at midnight: the evening before is too late for some and the small hours are rude
SEND_FROM = time(9, 0)
KINDS = ("first_come", "lottery")


def due(dbs: Session, now: datetime) -> list[Reservation]:
    """Confirmed bookings whose first slot is tomorrow (Tokyo) and that have not been reminded."""
    if to_local(now).time() < SEND_FROM:
        return []
    tomorrow = local_date(now) + timedelta(days=1)
    first_slot = (select(func.min(ReservationSlot.starts_at))
                  .where(ReservationSlot.reservation_id == Reservation.id).scalar_subquery())
    return list(dbs.scalars(select(Reservation).where(
        Reservation.status == "confirmed", Reservation.kind.in_(KINDS), Reservation.reminded_at.is_(None),
        first_slot >= jst(tomorrow, time(0, 0)), first_slot < jst(tomorrow + timedelta(days=1), time(0, 0)))
        .order_by(Reservation.id)))


def send_due(dbs: Session, now: datetime) -> list[int]:
    """Queue the reminders that are due; returns the ids of the bookings reminded."""
    reminded = []
    for reservation in due(dbs, now):
        claimed = dbs.execute(update(Reservation)
                              .where(Reservation.id == reservation.id, Reservation.reminded_at.is_(None),
                                     Reservation.status == "confirmed")
                              .values(reminded_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            dbs.rollback()  # another scheduler reminded it, or it was cancelled this very moment
            continue
        who = holder(dbs, reservation)
        submission = dbs.get(Submission, reservation.submission_id) if reservation.submission_id else None
        facility = reservation.facility
        municipality = facility.municipality
        mail.queue(dbs, who.email, "booking_reminder", reservation.lang, municipality.id,
                   municipality=municipality, facility=facility, name=who.name, reservation=reservation,
                   rows=reservation.live_slots, submission=submission,
                   day=to_local(reservation.live_slots[0].starts_at).date(),
                   booking_url=public_url("booking.reservation", municipality=municipality.slug,
                                          reservation_id=reservation.id))
        dbs.commit()
        reminded.append(reservation.id)
    return reminded
