"""Bookings as services: book slots first-come, answer the facility's questions (a procedure draft of kind
``booking``), pay, cancel; and the scheduler's hold expiry. Views and jobs call these; tests too.

A booking is a ``Reservation`` (the slots, held or confirmed) plus a ``Draft`` → ``Submission`` of the
facility's booking procedure (the answers and the fee, paid through the ordinary payment flow). The slots are
held from the moment they are chosen until ``hold_expires_at``; paying confirms them (see
``portal.booking.kind``).
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.booking.domain.lottery import Phase
from portal.booking.domain.pricing import CancellationTerms, cancellation_terms, slot_fee
from portal.booking.domain.rules import Violation, check_booking
from portal.booking.domain.slots import Slot
from portal.booking.models import BookingGroup, Facility, LotteryApplication, Reservation, ReservationSlot
from portal.booking.services import availability, inventory, mailing
from portal.booking.services.settings import settings_of
from portal.identity.models import Resident
from portal.payments import service as payments
from portal.payments.models import ACTIVE, Payment
from portal.procedures import journey
from portal.procedures.catalogue import latest_version
from portal.procedures.history import SubmissionEvent
from portal.procedures.models import Draft, Submission

log = logging.getLogger(__name__)


class BookingRefused(Exception):
    """The rules say no (every problem at once, for the form) or the slots were just taken."""

    def __init__(self, violations: Sequence[Violation], taken: Sequence[str] = ()):
        super().__init__("; ".join(v.code for v in violations) or "taken")
        self.violations = list(violations)
        self.taken = list(taken)


def _just_taken(keys: Sequence[str]) -> BookingRefused:
    return BookingRefused([Violation("just_taken",
                                     "選んだ枠は、たった今ほかの方が予約しました。別の枠を選んでください。",
                                     "Someone has just booked the slot you chose. Please choose another.")], keys)


def lottery_violations(facility: Facility, slots: Sequence[Slot], now: datetime) -> list[Violation]:
    """A lottery slot is bookable first-come only once its leftovers open."""
    found = []
    for slot in slots:
        phase = availability.lottery_phase(facility, slot, now)
        if phase is not None and phase is not Phase.FIRST_COME:
            found.append(Violation("lottery_slot", f"{slot.local_starts_at:%-m月%-d日 %H:%M}の枠は抽選の対象です。"
                                   "抽選の結果が出た後、空いた枠は先着順で予約できます。",
                                   f"The slot at {slot.local_starts_at:%Y-%m-%d %H:%M} goes to the lottery."))
    return found


def fees_for(facility: Facility, slots: Sequence[Slot], is_resident: bool) -> dict[str, int]:
    prices = settings_of(facility).prices
    return {s.key: slot_fee(prices, s, is_resident) for s in slots}


@dataclass
class Booked:
    reservation: Reservation
    draft: Draft


def book(dbs: Session, facility: Facility, resident: Resident, keys: Sequence[str], now: datetime,
         group: BookingGroup | None = None, lang: str = "ja") -> Booked:
    """Hold the chosen slots for ``resident`` and start the booking procedure's draft; commits.

    Raises :class:`BookingRefused` with every rule broken, or "just taken" when another booking won the race
    (decided by the database: see ``inventory``)."""
    if facility.closed or not facility.published:
        raise BookingRefused([Violation("facility_closed", "この施設は現在予約を受け付けていません。",
                                        "This facility is not taking bookings.")])
    try:
        slots = inventory.resolve(facility, keys)
    except inventory.UnknownSlot:
        raise BookingRefused([Violation("unknown_slot", "選んだ枠が見つかりません。もう一度選んでください。",
                                        "The chosen slot does not exist. Please choose again.")]) from None
    rules = settings_of(facility).rules
    is_resident = availability.is_resident_of(resident, facility)
    inventory.lock_person(dbs, resident.sub)
    violations = check_booking(rules, now, slots, inventory.person_slot_starts(dbs, resident.sub, facility, now),
                               is_resident, group is not None) + lottery_violations(facility, slots, now)
    if violations:
        dbs.rollback()
        raise BookingRefused(violations)
    row = latest_version(dbs, facility.municipality, facility.booking_procedure)
    if row is None or row.kind != "booking":
        raise RuntimeError(f"facility {facility.slug}: booking procedure {facility.booking_procedure!r} is missing")
    try:
        reservation = inventory.insert(
            dbs, facility, slots, kind="first_come", status="held", now=now,
            fees=fees_for(facility, slots, is_resident), hold_expires_at=now + timedelta(minutes=rules.hold_minutes),
            resident_id=resident.id, person_sub=resident.sub, is_resident=is_resident,
            group_id=group.id if group else None, group_name=group.name if group else "", lang=lang)
        draft = journey.start_draft(dbs, facility.municipality, row, journey.Applicant(resident=resident))
        reservation.draft_id = draft.id
        dbs.commit()
    except IntegrityError:
        dbs.rollback()
        raise _just_taken(inventory.taken_error(dbs, facility, slots, now).keys) from None
    return Booked(reservation, draft)


def start_answers(dbs: Session, reservation: Reservation, resident: Resident) -> Draft:
    """The draft of the booking procedure for a reservation that has none yet (a lottery win being confirmed);
    commits."""
    if reservation.draft_id is not None:
        return dbs.get(Draft, reservation.draft_id)
    facility = reservation.facility
    row = latest_version(dbs, facility.municipality, facility.booking_procedure)
    draft = journey.start_draft(dbs, facility.municipality, row, journey.Applicant(resident=resident))
    reservation.draft_id = draft.id
    dbs.commit()
    return draft


# --- finding them -------------------------------------------------------------------------------------------

def for_draft(dbs: Session, draft: Draft) -> Reservation | None:
    return dbs.scalar(select(Reservation).where(Reservation.draft_id == draft.id))


def for_submission(dbs: Session, submission: Submission) -> Reservation | None:
    return dbs.scalar(select(Reservation).where(Reservation.submission_id == submission.id))


def of_resident(dbs: Session, municipality_id: int, resident: Resident) -> list[Reservation]:
    return list(dbs.scalars(select(Reservation).where(Reservation.municipality_id == municipality_id,
                                                      Reservation.resident_id == resident.id)
                            .order_by(Reservation.created_at.desc())))


def upcoming(dbs: Session, municipality_id: int, resident: Resident, now: datetime) -> list[Reservation]:
    """The resident's bookings still to come (held or confirmed), soonest first: for their page."""
    live = [r for r in of_resident(dbs, municipality_id, resident)
            if is_live(r, now) and any(s.ends_at > now for s in r.live_slots)]
    return sorted(live, key=lambda r: r.starts_at)


def is_live(reservation: Reservation, now: datetime) -> bool:
    """Still holds its slots: confirmed, or held and the hold has not run out."""
    if reservation.status == "confirmed":
        return True
    return reservation.status == "held" and (reservation.hold_expires_at is None or reservation.hold_expires_at > now)


def slots_still_free(dbs: Session, reservation: Reservation, now: datetime) -> bool:
    """Does nobody else take any of the reservation's slots? (It does not count itself once its hold ran out.)"""
    facility = reservation.facility
    keys = {f"{u.slug}/{r.starts_at.astimezone(inventory.TOKYO):%Y-%m-%d %H:%M}"
            for r in reservation.slots for u in facility.units if u.id == r.unit_id}
    days = [r.starts_at.astimezone(inventory.TOKYO).date() for r in reservation.slots]
    busy = inventory.taken(dbs, facility, min(days), max(days), now)
    return not any(k in busy and busy[k].id != reservation.id for k in keys)


def hold_state(dbs: Session, reservation: Reservation, now: datetime) -> str:
    """For the booking's draft pages: ``live`` (held or confirmed), ``lapsed`` (the hold ran out but the slots
    are still free: the resident may take them again), ``taken`` (someone else has a slot now) or ``cancelled``."""
    if is_live(reservation, now):
        return "live"
    if reservation.status not in ("held", "expired"):
        return "cancelled"
    return "lapsed" if slots_still_free(dbs, reservation, now) else "taken"


def rehold(dbs: Session, reservation: Reservation, now: datetime) -> None:
    """Take the slots of a run-out hold again for a new hold period, in one transaction (the inventory's
    constraints decide a race); raises :class:`BookingRefused` ("just taken") when someone else has them. Commits."""
    if is_live(reservation, now):
        return
    if reservation.status not in ("held", "expired"):
        raise BookingRefused([Violation("cancelled", "この予約は取り消されています。", "This booking was cancelled.")])
    rules = settings_of(reservation.facility).rules
    try:
        inventory.retake(dbs, reservation, now, hold_expires_at=now + timedelta(minutes=rules.hold_minutes))
    except inventory.SlotsTaken as exc:
        raise _just_taken(exc.keys) from None


# --- the payment side (called by the booking procedure kind) -----------------------------------------------------

def keep_for_payment(dbs: Session, reservation: Reservation, now: datetime, until: datetime | None = None) -> None:
    """Make sure the reservation holds its slots while the resident pays (taking them back if its hold ran
    out and nobody else took them); raises :class:`BookingRefused` ("just taken") otherwise. Commits."""
    if reservation.status == "confirmed":
        return
    if reservation.status not in ("held", "expired"):
        raise BookingRefused([Violation("cancelled", "この予約は取り消されています。", "This booking was cancelled.")])
    if not is_live(reservation, now):
        try:
            inventory.retake(dbs, reservation, now)
        except inventory.SlotsTaken as exc:
            raise _just_taken(exc.keys) from None
    rules = settings_of(reservation.facility).rules
    wanted = max(until or now, now + timedelta(minutes=rules.hold_minutes))
    if reservation.hold_expires_at is None or reservation.hold_expires_at < wanted:
        reservation.hold_expires_at = wanted
    dbs.commit()


def confirm(reservation: Reservation, now: datetime) -> None:
    """The fee is settled (paid, exempt, cash, or nothing to pay): the slots are the resident's. No commit."""
    reservation.status = "confirmed"
    reservation.confirmed_at = now
    reservation.hold_expires_at = None


# --- cancelling --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CancelQuote:
    allowed: bool
    fee: int
    refund: int
    #: why not, when not allowed
    reason: str = ""


def quote(reservation: Reservation, now: datetime, paid: int) -> CancelQuote:
    """What cancelling now costs under the facility's terms: each slot by its own day of use. The late fees
    already kept for slots cancelled one by one stay kept."""
    if reservation.status not in ("held", "confirmed"):
        return CancelQuote(False, 0, 0, "not_active")
    if reservation.status == "held":
        return CancelQuote(True, 0, 0)
    total_fee = 0
    for row in slot_quotes(reservation, reservation.live_slots, now, paid):
        if not row.allowed:
            return CancelQuote(False, 0, 0, "deadline")
        total_fee += row.fee
    kept = reservation.cancel_fee if paid else 0
    return CancelQuote(True, total_fee, max(paid - kept - total_fee, 0))


@dataclass(frozen=True)
class SlotQuote:
    row: ReservationSlot
    allowed: bool
    fee: int
    refund: int


def slot_quotes(reservation: Reservation, rows: Sequence[ReservationSlot], now: datetime,
                paid: int) -> list[SlotQuote]:
    """Each slot's late fee and refund if it were cancelled now (nothing to refund when nothing was paid
    online: a fee settled in cash or waived is the counter's business)."""
    policy = settings_of(reservation.facility).cancellation
    found = []
    for row in rows:
        share = row.fee if paid else 0
        terms: CancellationTerms = cancellation_terms(now, row.starts_at, policy, share)
        found.append(SlotQuote(row, terms.allowed, terms.fee if terms.allowed else 0,
                               share - terms.fee if terms.allowed else 0))
    return found


def paid_online(dbs: Session, reservation: Reservation) -> Payment | None:
    """The payment that settled the reservation's fee online, if it did."""
    if reservation.submission_id is None:
        return None
    submission = dbs.get(Submission, reservation.submission_id)
    fee = payments.fee_record(dbs, submission)
    if fee is None or fee.status != "paid" or fee.payment_id is None:
        return None
    return dbs.get(Payment, fee.payment_id)


def cancel(dbs: Session, gw, reservation: Reservation, now: datetime, *, by: str, reason: str = "",
           staff_id: int | None = None, waive_fee: bool = False) -> CancelQuote:
    """Cancel a booking: release its slots, stop an unfinished payment, refund what the terms allow (all of it
    when ``waive_fee``, e.g. the city closed the facility). ``by``: resident | staff. Commits.

    The slots are released and committed before the provider is asked for the refund: a refund that fails is
    left flagged on the payment for staff (and reconciliation), never a slot held for a cancelled booking."""
    payment = paid_online(dbs, reservation)
    paid = payment.amount - payment.refunded_amount if payment is not None else 0
    terms = quote(reservation, now, paid)
    if waive_fee and reservation.status in ("held", "confirmed"):
        terms = CancelQuote(True, 0, paid)
    if not terms.allowed:
        return terms
    submission = dbs.get(Submission, reservation.submission_id) if reservation.submission_id else None
    inventory.release(reservation, "cancelled", now)
    reservation.cancel_reason = reason[:500]
    reservation.cancel_fee = 0 if waive_fee else reservation.cancel_fee + terms.fee
    if submission is not None and submission.status == "received":
        _withdraw(dbs, submission, by, staff_id)
    dbs.commit()
    if submission is not None:
        active = dbs.scalar(select(Payment).where(Payment.submission_id == submission.id, Payment.status.in_(ACTIVE)))
        if active is not None and active.status in ("created", "open"):
            payments.cancel_attempt(dbs, gw, active, by, actor_id=staff_id)
    refunded = True
    if payment is not None and terms.refund > 0:
        refunded = _refund(dbs, gw, payment, reservation, terms.refund, reason or "予約の取消", staff_id, by)
    if by == "resident":
        mailing.queue_cancelled(dbs, reservation, list(reservation.live_slots), whole=True,
                                fee=terms.fee, refund=terms.refund if refunded else 0,
                                refund_pending=terms.refund if not refunded else 0)
        dbs.commit()
    return terms


def _refund(dbs: Session, gw, payment: Payment, reservation: Reservation, amount: int, reason: str,
            staff_id: int | None, by: str) -> bool:
    """Ask the provider for the refund; whether it took it. A failure is flagged for staff (and
    reconciliation) on the payment, never a slot held for a cancelled booking."""
    try:
        payments.refund(dbs, gw, payment, amount, reason, staff_id, source=by)
    except Exception:  # noqa: BLE001 — the provider failed: keep it visible for staff, the slots stay free
        log.exception("refund for cancelled reservation %s failed", reservation.id)
        payment = dbs.get(Payment, payment.id)
        payment.needs_refund, payment.needs_refund_reason = True, "booking_cancelled"
        dbs.commit()
        return False
    return True


class Stale(Exception):
    """The booking changed since the resident's confirmation page was shown (the second click of a double
    click, or a cancellation in another tab)."""


@dataclass(frozen=True)
class PartialQuote:
    slots: list[SlotQuote]
    #: every slot still booked is chosen: the whole booking is cancelled
    whole: bool
    refund: int

    @property
    def allowed(self) -> bool:
        return bool(self.slots) and all(q.allowed for q in self.slots)

    @property
    def fee(self) -> int:
        return sum(q.fee for q in self.slots)


def chosen_slots(reservation: Reservation, slot_ids: Sequence[str]) -> list[ReservationSlot] | None:
    """The live slots the resident ticked, in the booking's order; None when an id is not one of them."""
    live = {str(row.id): row for row in reservation.live_slots}
    wanted = set(slot_ids)
    if not wanted or not wanted <= live.keys():
        return None
    return [row for key, row in live.items() if key in wanted]


def quote_partial(reservation: Reservation, rows: Sequence[ReservationSlot], now: datetime,
                  paid: int) -> PartialQuote:
    quotes = slot_quotes(reservation, rows, now, paid)
    whole = len(rows) == len(reservation.live_slots)
    # the last slots go the way a whole booking does (what was kept for earlier slots stays kept)
    refund = quote(reservation, now, paid).refund if whole else min(sum(q.refund for q in quotes), paid)
    return PartialQuote(quotes, whole, refund)


def paid_remaining(dbs: Session, reservation: Reservation) -> int:
    payment = paid_online(dbs, reservation)
    return payment.amount - payment.refunded_amount if payment is not None else 0


def cancel_slots(dbs: Session, gw, reservation: Reservation, slot_ids: Sequence[str], now: datetime, *,
                 version: int) -> PartialQuote | None:
    """The resident cancels some slots of a confirmed booking: only those are released, each with its own late
    fee, and the rest of the money for them is refunded; choosing every slot left cancels the booking. Commits.

    ``version`` is the booking's ``lock_version`` the confirmation page showed: a second submit finds it moved on
    and raises :class:`Stale`, so nothing is released or refunded twice. None when the choice is not valid."""
    if reservation.status != "confirmed" or reservation.lock_version != version:
        raise Stale()
    rows = chosen_slots(reservation, slot_ids)
    if rows is None:
        return None
    payment = paid_online(dbs, reservation)
    paid = payment.amount - payment.refunded_amount if payment is not None else 0
    terms = quote_partial(reservation, rows, now, paid)
    if not terms.allowed:
        return terms
    if terms.whole:
        try:
            cancel(dbs, gw, reservation, now, by="resident", reason="利用者による取消")
        except StaleDataError:  # the other submit released the booking first (its first commit)
            dbs.rollback()
            raise Stale() from None
        return terms
    for q in terms.slots:
        q.row.active, q.row.cancelled_at, q.row.cancel_fee = False, now, q.fee
    reservation.cancel_fee += terms.fee
    reservation.updated_at = now  # always an UPDATE of the booking row, so its version moves on
    try:
        dbs.commit()  # the version column makes a concurrent second submit fail here
    except StaleDataError:
        dbs.rollback()
        raise Stale() from None
    refunded = True
    if payment is not None and terms.refund > 0:
        refunded = _refund(dbs, gw, payment, reservation, terms.refund, "予約の一部取消", None, "resident")
    reservation = dbs.get(Reservation, reservation.id)
    mailing.queue_cancelled(dbs, reservation, [q.row for q in terms.slots], whole=False, fee=terms.fee,
                            refund=terms.refund if refunded else 0, refund_pending=0 if refunded else terms.refund)
    dbs.commit()
    return terms


def _withdraw(dbs: Session, submission: Submission, by: str, staff_id: int | None) -> None:
    # A cancelled booking's submission is closed the way a resident withdraws; staff cancelling (a facility
    # closed) is recorded as theirs. The workflow table lets only residents withdraw, so this bypasses it.
    dbs.add(SubmissionEvent(submission_id=submission.id, from_status=submission.status, to_status="withdrawn",
                            actor_kind="resident" if by == "resident" else "staff", actor_id=staff_id,
                            message="予約の取消"))
    submission.status = "withdrawn"


# --- the scheduler -------------------------------------------------------------------------------------------------

def expire_holds(dbs: Session, gw, now: datetime) -> list[int]:
    """Release every hold that ran out, except those waiting for a konbini payment (their hold was extended
    to the voucher's expiry). An open checkout is stopped at the provider first: money paid at that very
    moment then confirms the booking instead (or is flagged for refund). Returns the expired ids."""
    due = list(dbs.scalars(select(Reservation).where(
        Reservation.status == "held", Reservation.hold_expires_at.is_not(None), Reservation.hold_expires_at <= now)))
    expired = []
    for reservation in due:
        if reservation.submission_id is not None:
            active = dbs.scalar(select(Payment).where(Payment.submission_id == reservation.submission_id,
                                                      Payment.status.in_(ACTIVE)))
            if active is not None and active.status == "processing":
                continue
            if active is not None:
                payments.cancel_attempt(dbs, gw, active, "reconciliation")
                dbs.refresh(reservation)
                if reservation.status != "held":
                    continue  # the money arrived meanwhile and confirmed it
        inventory.release(reservation, "expired", now)
        if reservation.kind == "lottery":
            application = dbs.scalar(select(LotteryApplication).where(
                LotteryApplication.reservation_id == reservation.id))
            if application is not None:
                application.outcome = "unconfirmed"
        dbs.commit()
        expired.append(reservation.id)
    return expired
