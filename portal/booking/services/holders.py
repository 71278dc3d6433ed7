"""Who holds a reservation, as the day sheet, the closure summary and the booking emails name them: the
resident or the counter's caller, their group, contact and purpose (from the booking procedure's answers), and
how the fee stands."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.booking.models import LotteryApplication, Reservation
from portal.identity.models import Resident
from portal.payments.service import fee_state
from portal.procedures.catalogue import definition_of
from portal.procedures.models import Submission


@dataclass(frozen=True)
class Holder:
    """A reservation as the day sheet and the closure summary show it."""

    reservation: Reservation
    name: str
    group: str = ""
    phone: str = ""
    email: str = ""
    users: str = ""
    purpose: str = ""
    #: a key of ``services.staff.PAYMENT_LABELS``
    payment: str = "none"
    #: a submission's reference, for the link to it
    reference: str = ""


def _answer(definition, answers: dict, field_id: str) -> str:
    value = answers.get(field_id)
    if value in (None, "", []):
        return ""
    found = definition.fields.get(field_id)
    return found.summary(value) if found is not None else str(value)


def holder(dbs: Session, reservation: Reservation) -> Holder:
    if reservation.kind == "block":
        return Holder(reservation, reservation.note)
    if reservation.kind == "counter":
        paid = "counter_cash" if reservation.status == "confirmed" else "counter_due"
        return Holder(reservation, reservation.contact_name, reservation.group_name, phone=reservation.contact_phone,
                      payment=paid if reservation.fee_amount else "none")
    resident = dbs.get(Resident, reservation.resident_id) if reservation.resident_id else None
    name = (resident.claims or {}).get("name", "") if resident else ""
    email = _lottery_email(dbs, reservation)
    submission = dbs.get(Submission, reservation.submission_id) if reservation.submission_id else None
    if submission is None:
        return Holder(reservation, name, reservation.group_name, email=email,
                      payment="unsubmitted" if reservation.fee_amount else "none")
    definition = definition_of(submission.definition)
    answers = submission.answers or {}
    purpose = " ".join(p for p in (_answer(definition, answers, "purpose"),
                                   _answer(definition, answers, "purpose_detail")) if p)
    return Holder(reservation, submission.applicant_name or name, reservation.group_name,
                  phone=_answer(definition, answers, "phone"), email=submission.contact_email or email,
                  users=_answer(definition, answers, "users"), purpose=purpose,
                  payment=fee_state(dbs, submission).state, reference=submission.reference)


def _lottery_email(dbs: Session, reservation: Reservation) -> str:
    """A lottery win not yet confirmed has no submission: the application has the address for the result."""
    if reservation.kind != "lottery":
        return ""
    return dbs.scalar(select(LotteryApplication.contact_email)
                      .where(LotteryApplication.reservation_id == reservation.id)) or ""
