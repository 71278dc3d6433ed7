"""What follows an application: a waiting resident accepting the seat offered, and a fee not paid by its deadline —
each with its email. Above applying (the seats and the fee) and mailing (which presents applications)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.events import applying, mailing, registration as service, seats
from portal.events.models import EventRegistration
from portal.payments.models import Payment


def accept_offer(dbs: Session, registration: EventRegistration, *, now: datetime) -> str | None:
    """The offered resident takes the seat: the new status (confirmed, or pending_payment until the offer's own
    deadline), or None when the offer is no longer open (a second click, or it ran out)."""
    held_until = registration.offer_expires_at
    if not service.accept_offer(dbs, registration, now=now):
        return None
    dbs.refresh(registration)
    if registration.status == "pending_payment":
        applying.fee_falls_due(dbs, registration, now=now, pay_by=held_until)
    if registration.status == "confirmed":
        mailing.queue_confirmed(dbs, registration)
    return registration.status


def lapse_unpaid(dbs: Session, *, now: datetime) -> list[int]:
    """Seats whose fee was not paid by ``pay_by`` go back and the waiting list is offered them; each lapsed
    registration is emailed. Claimed by a conditional UPDATE: run twice, or on two workers, it lapses each once."""
    due = dbs.execute(select(EventRegistration.id, EventRegistration.event_id, EventRegistration.party_size,
                             EventRegistration.submission_id)
                      .where(EventRegistration.status == "pending_payment", EventRegistration.pay_by.is_not(None),
                             EventRegistration.pay_by <= now)).all()
    lapsed, events = [], set()
    for row in due:
        if row.submission_id is not None and dbs.scalar(select(Payment.id).where(
                Payment.submission_id == row.submission_id, Payment.status == "processing")) is not None:
            continue   # a konbini voucher is being paid: payment_pending kept the seat until it runs out
        claimed = dbs.execute(update(EventRegistration)
                              .where(EventRegistration.id == row.id, EventRegistration.status == "pending_payment")
                              .values(status="lapsed", cancel_reason="payment_deadline"),
                              execution_options={"synchronize_session": False})
        if claimed.rowcount != 1:
            continue
        seats.give_back(dbs, service._session_ids(dbs, row.id), row.party_size)
        registration = dbs.get(EventRegistration, row.id, populate_existing=True)
        mailing.queue_payment_lapsed(dbs, registration)
        lapsed.append(row.id)
        events.add(row.event_id)
    for event_id in sorted(events):
        service.offer_next(dbs, event_id, now=now)
    return lapsed
