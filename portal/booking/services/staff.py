"""The back office of facility booking: the caretaker's day sheet, bookings made at the counter for people at
the desk, blocks for city events, and closing a facility (every affected booking cancelled and refunded in
full, each resident told by email). The lottery as staff see it is in :mod:`portal.booking.web.staff.lottery`.

Plain arguments in, rows out. Functions that change something take an ``audit`` callable (views pass
``portal.backoffice.common.audit``) and call it before they commit, so each audit entry commits with the
change it reports.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.booking.domain import config
from portal.booking.domain.calendar import TOKYO, jst, local_date
from portal.booking.domain.rules import SlotStatus, Violation, check_booking
from portal.booking.domain.slots import Slot
from portal.booking.models import TAKING, BookingGroup, Facility, FacilityClosure, Reservation, ReservationSlot
from portal.booking.presentation.formatting import slot_row_label, weekday
from portal.booking.services import availability, booking as service, date_range, inventory
from portal.booking.services.holders import Holder, holder
from portal.booking.services.settings import settings_of
from portal.notifications import mail
from portal.payments.labels import FEE_STATE_LABELS
from portal.payments.models import Payment
from portal.payments.service import public_url
from portal.staff.models import StaffUser

Audit = Callable[..., None]

#: kinds a closure cancels; a block is the city's own and stays
RESIDENT_KINDS = ("first_come", "lottery", "counter")
MAX_BLOCK_SLOTS = 2000
MAX_NAME = 100
MAX_PHONE = 30
MAX_EVENT = 200
MAX_NOTICE = 200

#: how a slot's fee stands, as the day sheet shows it: the fee states of online bookings plus the counter's
PAYMENT_LABELS = {
    **FEE_STATE_LABELS,
    "unsubmitted": _l("申込の入力中（未払い）"),
    "counter_due": _l("未払い（窓口で後払い）"),
    "counter_cash": _l("窓口で現金受領"),
}


class Invalid(Exception):
    """The form is not acceptable; ``errors`` are shaped like the forms' (``href`` = the field's id)."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors


def may_act(staff: StaffUser, facility: Facility) -> bool:
    """Any staff member of the municipality may look; booking, blocking and closing are for admins and for
    staff who process the facility's booking procedure."""
    return staff.is_admin or facility.booking_procedure in staff.procedure_keys


def facilities(dbs: Session, municipality_id: int) -> list[Facility]:
    return list(dbs.scalars(select(Facility).where(Facility.municipality_id == municipality_id)
                            .order_by(Facility.name_kana, Facility.name)))


def slot_labels(reservation: Reservation) -> list[str]:
    """Each slot as staff and residents read it: "A面 2026/12/8（火）09:00–11:00"."""
    return [f"{row.unit.name} {slot_row_label(row)}" for row in reservation.live_slots]


def slot_text(facility: Facility, slot: Slot) -> str:
    unit = next((u.name for u in facility.units if u.slug == slot.unit_id), slot.unit_id)
    start, end = slot.local_starts_at, slot.local_ends_at
    return f"{unit} {start:%Y/%-m/%-d}（{weekday(start.date())}）{start:%H:%M}–{end:%H:%M}"


def key_label(facility: Facility, key: str) -> str:
    """"court-a/2027-02-06 09:00" → "A面 2027/2/6（土）09:00" (the key itself if it no longer parses)."""
    try:
        unit_slug, start = inventory.parse_key(key)
    except inventory.UnknownSlot:
        return key
    unit = next((u.name for u in facility.units if u.slug == unit_slug), unit_slug)
    local = start.astimezone(TOKYO)
    return f"{unit} {local:%Y/%-m/%-d}（{weekday(local.date())}）{local:%H:%M}"


# --- the day sheet (日報) ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SheetRow:
    slot: Slot
    unit_name: str
    status: SlotStatus
    holder: Holder | None


def day_sheet(dbs: Session, facility: Facility, day: date, now: datetime) -> list[SheetRow]:
    """Every unit × slot of the day, in time then unit order, with whoever holds it."""
    taken = inventory.taken(dbs, facility, day, day, now)
    units = {u.slug: u.name for u in facility.units}
    holders: dict[int, Holder] = {}
    rows = []
    for the_day in availability.days(dbs, facility, day, day, now):
        for cell in the_day.cells:
            reservation = taken.get(cell.key)
            if reservation is not None and reservation.id not in holders:
                holders[reservation.id] = holder(dbs, reservation)
            rows.append(SheetRow(cell.slot, units.get(cell.slot.unit_id, cell.slot.unit_id), cell.status,
                                 holders[reservation.id] if reservation is not None else None))
    return rows


# --- booking at the counter -----------------------------------------------------------------------------------

def counter_note(fee: int, paid: bool) -> str:
    """How the fee stands, for the day sheet (the cash received is appended to it by ``record_cash``)."""
    if not fee:
        return "使用料なし"
    return f"{'現金' if paid else '未払い（後払い）'} {fee:,}円"


def _just_taken(facility: Facility, keys: Sequence[str]) -> service.BookingRefused:
    labels = "、".join(key_label(facility, k) for k in keys)
    return service.BookingRefused([Violation(
        "just_taken", f"次の枠は、たった今ほかの予約が入りました：{labels}。別の枠を選んでください。",
        f"These slots were just booked by someone else: {', '.join(keys)}.")], keys)


def approved_groups(dbs: Session, municipality_id: int) -> list[BookingGroup]:
    return list(dbs.scalars(select(BookingGroup).where(BookingGroup.municipality_id == municipality_id,
                                                       BookingGroup.status == "approved")
                            .order_by(BookingGroup.name_kana, BookingGroup.name)))


def _counter_group(dbs: Session, facility: Facility, group_id: str) -> BookingGroup | None:
    """The approved group chosen at the counter; ValueError for anything else (a tampered form)."""
    if group_id in ("", "0"):
        return None
    found = next((g for g in approved_groups(dbs, facility.municipality_id) if str(g.id) == group_id), None)
    if found is None:
        raise ValueError(group_id)
    return found


def book_at_counter(dbs: Session, facility: Facility, keys: Sequence[str], now: datetime, *, name: str, phone: str,
                    is_resident: bool, paid: bool, staff_id: int, audit: Audit, group_id: str = "",
                    group_name: str = "") -> Reservation:
    """Book free slots for someone at the counter (no account, no card): the facility's rules apply except the
    monthly cap per person, which needs a verified identity to count against. A group-only facility needs an
    approved registered group (``group_id``); otherwise a group's name may simply be noted (``group_name``).
    Paid in cash (or free) means confirmed; unpaid means held until staff record the cash or cancel it.
    Raises :class:`service.BookingRefused` (every problem, or "just taken"); commits."""
    name, phone, group_name = name.strip()[:MAX_NAME], phone.strip()[:MAX_PHONE], group_name.strip()[:200]
    violations = []
    try:
        group = _counter_group(dbs, facility, group_id.strip())
    except ValueError:
        group = None
        violations.append(Violation("group_unknown", "選んだ団体は承認済みの登録団体ではありません。",
                                    "That group is not an approved registered group."))
    if not name:
        violations.append(Violation("name", "予約する方の氏名を入力してください。", "Enter the name."))
    if not phone:
        violations.append(Violation("phone", "連絡先の電話番号を入力してください。", "Enter the phone number."))
    if facility.closed:
        violations.append(Violation("facility_closed", "この施設は休止中のため予約できません。",
                                    "The facility is closed."))
    try:
        slots = inventory.resolve(facility, keys)
    except inventory.UnknownSlot:
        raise service.BookingRefused(violations + [Violation(
            "unknown_slot", "選んだ枠が見つかりません。もう一度選んでください。", "Unknown slot.")]) from None
    rules = settings_of(facility).rules
    uncapped = replace(rules, max_slots_per_person_per_month=max(len(slots), 1))
    violations += check_booking(uncapped, now, slots, [], is_resident, group is not None)
    violations += service.lottery_violations(facility, slots, now)
    if violations:
        dbs.rollback()
        raise service.BookingRefused(violations)
    fees = service.fees_for(facility, slots, is_resident)
    total = sum(fees.values())
    settled = paid or total == 0
    try:
        reservation = inventory.insert(
            dbs, facility, slots, kind="counter", status="confirmed" if settled else "held", now=now, fees=fees,
            is_resident=is_resident, group_id=group.id if group else None,
            group_name=group.name if group else group_name, staff_id=staff_id,
            contact_name=name, contact_phone=phone, note=counter_note(total, paid))
        audit("booking.counter", "reservation", reservation.id, facility=facility.slug, slots=list(keys),
              fee=total, paid_in_cash=bool(paid and total))
        dbs.commit()
    except IntegrityError:
        dbs.rollback()
        raise _just_taken(facility, inventory.taken_error(dbs, facility, slots, now).keys) from None
    return reservation


def record_cash(dbs: Session, reservation: Reservation, now: datetime, audit: Audit) -> bool:
    """The person of an unpaid counter booking paid in cash: it is confirmed. False if there was nothing to do."""
    if reservation.kind != "counter" or reservation.status != "held":
        return False
    service.confirm(reservation, now)
    reservation.note = f"{reservation.note}／{local_date(now):%-m月%-d日} 現金で受領"[:500]
    audit("booking.counter_cash", "reservation", reservation.id, amount=reservation.fee_amount)
    dbs.commit()
    return True


def cancel_counter(dbs: Session, gw, reservation: Reservation, now: datetime, staff_id: int, audit: Audit) -> bool:
    """Cancel a counter booking (the person phoned, or it was a mistake); cash is given back at the counter."""
    if reservation.kind != "counter" or reservation.status not in TAKING:
        return False
    audit("booking.counter_cancel", "reservation", reservation.id, fee=reservation.fee_amount,
          status=reservation.status)
    service.cancel(dbs, gw, reservation, now, by="staff", reason="窓口で取消", staff_id=staff_id, waive_fee=True)
    return True


# --- blocks for city events -------------------------------------------------------------------------------------

@dataclass
class BlockResult:
    reservation: Reservation | None = None
    blocked: list[Slot] = field(default_factory=list)
    #: already held by someone (a resident, a counter booking, another block): not blocked
    refused: list[tuple[Slot, Holder]] = field(default_factory=list)
    #: closed or past: nothing to block
    skipped: list[Slot] = field(default_factory=list)


def bands(facility: Facility, today: date) -> list[str]:
    """The start times ("09:00") of the facility's time bands over a week, for choosing what to block."""
    return sorted({f"{s.local_starts_at:%H:%M}" for s in config.slots_of(facility, today, today + timedelta(days=6))})


def block(dbs: Session, facility: Facility, now: datetime, *, first_day: str, last_day: str,
          units: Sequence[str], starts: Sequence[str], event: str, staff_id: int, audit: Audit) -> BlockResult:
    """Block the chosen units and bands on every day of the range for a city event (fee 0, confirmed). Slots
    someone already holds are reported and left alone; the rest are blocked in one reservation. Commits."""
    errors: list[dict] = []
    first, last = date_range.parse_range(first_day, last_day, local_date(now), errors)
    event = event.strip()
    active = {u.slug for u in facility.units if u.active}
    chosen_units = [u for u in units if u in active]
    if not event or len(event) > MAX_EVENT:
        errors.append({"href": "#f-event", "message": _("行事の名前を200文字以内で入力してください")})
    if not chosen_units:
        errors.append({"href": "#f-units", "message": _("区画を1つ以上選んでください")})
    if not starts:
        errors.append({"href": "#f-starts", "message": _("時間帯を1つ以上選んでください")})
    if errors:
        raise Invalid(errors)
    wanted_starts = set(starts)
    candidates = [s for s in config.slots_of(facility, first, last,
                                             units=[u for u in facility.units if u.slug in chosen_units])
                  if f"{s.local_starts_at:%H:%M}" in wanted_starts]
    if len(candidates) > MAX_BLOCK_SLOTS:
        raise Invalid([{"href": "#f-last_day",
                        "message": _("一度に押さえられるのは%(n)s枠までです。期間を分けてください",
                                     n=MAX_BLOCK_SLOTS)}])
    return _block_slots(dbs, facility, now, candidates, event=event, staff_id=staff_id, audit=audit)


def span_slots(facility: Facility, starts_at: datetime, ends_at: datetime,
               units: Sequence[str] | None = None) -> list[Slot]:
    """The slots of ``units`` (slugs; every active unit by default) that overlap [starts_at, ends_at)."""
    if ends_at <= starts_at:
        return []
    chosen = [u for u in facility.units if u.active and (units is None or u.slug in units)]
    last = ends_at - timedelta(microseconds=1)
    return [s for s in config.slots_of(facility, local_date(starts_at), local_date(last), units=chosen)
            if s.starts_at < ends_at and s.ends_at > starts_at]


def block_span(dbs: Session, facility: Facility, now: datetime, *, starts_at: datetime, ends_at: datetime,
               note: str, staff_id: int | None, audit: Audit, units: Sequence[str] | None = None) -> BlockResult:
    """Block the slots that overlap one stretch of time [starts_at, ends_at) — something the city holds at the
    facility then — on ``units`` (slugs; every active unit by default), fee 0, confirmed, with ``note`` as the
    day sheet's name for it. As :func:`block`: slots someone already holds (another block included) are
    reported in ``refused`` and left alone, closed or past ones in ``skipped``; calling it again for the same
    stretch blocks only what has come free since. Commits (nothing pending in ``dbs``, please)."""
    note = note.strip()[:500]
    if not note:
        raise ValueError("a block needs a note naming what it is for")
    candidates = span_slots(facility, starts_at, ends_at, units)
    if len(candidates) > MAX_BLOCK_SLOTS:
        raise Invalid([{"href": "#main", "message": _("一度に押さえられるのは%(n)s枠までです。期間を分けてください",
                                                      n=MAX_BLOCK_SLOTS)}])
    return _block_slots(dbs, facility, now, candidates, event=note, staff_id=staff_id, audit=audit)


def _block_slots(dbs: Session, facility: Facility, now: datetime, candidates: Sequence[Slot], *, event: str,
                 staff_id: int | None, audit: Audit) -> BlockResult:
    result = BlockResult(skipped=[s for s in candidates if s.is_closed or s.starts_at <= now])
    free = [s for s in candidates if not s.is_closed and s.starts_at > now]
    if not free:
        return result
    first, last = min(s.local_date for s in free), max(s.local_date for s in free)
    holders: dict[int, Holder] = {}
    while free:
        busy = inventory.taken(dbs, facility, first, last, now)
        for slot in (s for s in free if s.key in busy):
            reservation = busy[slot.key]
            holders.setdefault(reservation.id, holder(dbs, reservation))
            result.refused.append((slot, holders[reservation.id]))
        free = [s for s in free if s.key not in busy]
        if not free:
            break
        try:
            reservation = inventory.insert(dbs, facility, free, kind="block", status="confirmed", now=now,
                                           staff_id=staff_id, note=event)
            audit("booking.block", "reservation", reservation.id, facility=facility.slug, event=event,
                  slots=len(free), refused=[s.key for s, _ in result.refused])
            dbs.commit()
        except IntegrityError:
            dbs.rollback()
            # Someone took one of them meanwhile: look again and block the rest (each pass drops a slot).
            if not any(s.key in inventory.taken(dbs, facility, first, last, now) for s in free):
                raise
            continue
        result.reservation, result.blocked = reservation, free
        break
    return result


def upcoming_blocks(dbs: Session, facility: Facility, now: datetime) -> list[Reservation]:
    return list(dbs.scalars(
        select(Reservation).where(Reservation.facility_id == facility.id, Reservation.kind == "block",
                                  Reservation.status == "confirmed", _has_slot(now))
        .order_by(Reservation.id)))


def release_block(dbs: Session, reservation: Reservation, now: datetime, audit: Audit) -> bool:
    """The event is off (or over early): its slots are free again."""
    if reservation.kind != "block" or reservation.status != "confirmed":
        return False
    inventory.release(reservation, "cancelled", now)
    reservation.cancel_reason = "行事の押さえを解除"
    audit("booking.block_release", "reservation", reservation.id, event=reservation.note,
          slots=len(reservation.slots))
    dbs.commit()
    return True


def rename_block(dbs: Session, reservation: Reservation, note: str, audit: Audit) -> bool:
    """The city's event was renamed: so is its block on the day sheet. False if there was nothing to do."""
    note = note.strip()[:500]
    if reservation.kind != "block" or reservation.status != "confirmed" or not note or note == reservation.note:
        return False
    audit("booking.block_rename", "reservation", reservation.id, before=reservation.note, after=note)
    reservation.note = note
    dbs.commit()
    return True


def _has_slot(start: datetime, end: datetime | None = None):
    """The reservation has an active slot starting in [start, end)."""
    condition = exists().where(ReservationSlot.reservation_id == Reservation.id, ReservationSlot.active.is_(True),
                               ReservationSlot.starts_at >= start)
    if end is not None:
        condition = condition.where(ReservationSlot.starts_at < end)
    return condition


# --- closing a facility ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Closing:
    """What staff asked for: the whole facility (``first`` None) or the days ``first``–``last``."""

    notice: str
    first: date | None = None
    last: date | None = None

    def bounds(self, now: datetime) -> tuple[datetime, datetime | None]:
        if self.first is None:
            return now, None
        return max(now, jst(self.first, time(0, 0))), jst(self.last + timedelta(days=1), time(0, 0))


def parse_closing(scope: str, notice: str, first_day: str, last_day: str, today: date) -> Closing:
    errors: list[dict] = []
    notice = notice.strip()
    if not notice or len(notice) > MAX_NOTICE:
        errors.append({"href": "#f-notice", "message": _("休館の理由（住民に表示し、メールでお知らせします）"
                                                         "を200文字以内で入力してください")})
    first = last = None
    if scope == "range":
        first, last = date_range.parse_range(first_day, last_day, today, errors)
    elif scope != "facility":
        errors.append({"href": "#f-scope-facility", "message": _("施設全体か期間かを選んでください")})
    if errors:
        raise Invalid(errors)
    return Closing(notice, first, last)


def affected(dbs: Session, facility: Facility, closing: Closing, now: datetime) -> list[Reservation]:
    """Live bookings of residents (and counter bookings) with a slot in the closure, from now on."""
    start, end = closing.bounds(now)
    rows = dbs.scalars(select(Reservation).where(
        Reservation.facility_id == facility.id, Reservation.status.in_(TAKING),
        Reservation.kind.in_(RESIDENT_KINDS), _has_slot(start, end)).order_by(Reservation.id))
    return [r for r in rows if service.is_live(r, now)]


@dataclass(frozen=True)
class Cancelled:
    holder: Holder
    slots: list[str]
    refund: int
    #: where the notice went ("" = nobody could be emailed: phone them)
    emailed_to: str
    #: the provider refused the refund: it is flagged on the payment for staff
    refund_failed: bool = False


@dataclass
class ClosureReport:
    closing: Closing
    cancelled: list[Cancelled] = field(default_factory=list)

    @property
    def refunded(self) -> int:
        return sum(c.refund for c in self.cancelled if not c.refund_failed)

    @property
    def not_emailed(self) -> list[Cancelled]:
        return [c for c in self.cancelled if not c.emailed_to]

    @property
    def refund_failures(self) -> list[Cancelled]:
        return [c for c in self.cancelled if c.refund_failed]


def close(dbs: Session, gw, facility: Facility, closing: Closing, now: datetime, *, staff_id: int,
          audit: Audit) -> ClosureReport:
    """Close the facility (or the days of ``closing``) first, so nobody can book into it meanwhile; then cancel
    every affected booking with a full refund and email each resident. Commits per booking: one failing
    refund or a booking cancelled by its resident at that very moment does not stop the others."""
    if closing.first is None:
        facility.closed, facility.closed_notice = True, closing.notice
        audit("booking.facility_close", "facility", facility.slug, notice=closing.notice)
    else:
        facility.closures.append(FacilityClosure(first_day=closing.first, last_day=closing.last,
                                                 reason=closing.notice))
        audit("booking.closure_add", "facility", facility.slug, first_day=closing.first.isoformat(),
              last_day=closing.last.isoformat(), reason=closing.notice)
    dbs.commit()
    report = ClosureReport(closing)
    for reservation in affected(dbs, facility, closing, now):
        done = _cancel_for_closure(dbs, gw, facility, reservation, closing, now, staff_id, audit)
        if done is not None:
            report.cancelled.append(done)
    return report


def _cancel_for_closure(dbs: Session, gw, facility: Facility, reservation: Reservation, closing: Closing,
                        now: datetime, staff_id: int, audit: Audit) -> Cancelled | None:
    who = holder(dbs, reservation)
    slots = slot_labels(reservation)
    payment = service.paid_online(dbs, reservation)
    audit("booking.cancel_by_city", "reservation", reservation.id, facility=facility.slug, kind=reservation.kind,
          slots=slots)
    try:
        terms = service.cancel(dbs, gw, reservation, now, by="staff", reason=f"施設の休館：{closing.notice}",
                               staff_id=staff_id, waive_fee=True)
    except StaleDataError:
        dbs.rollback()  # the resident cancelled it at this very moment: nothing left to do
        return None
    if not terms.allowed:
        dbs.rollback()
        return None
    failed = False
    if payment is not None and terms.refund:
        payment = dbs.get(Payment, payment.id, populate_existing=True)
        failed = payment.needs_refund and payment.needs_refund_reason == "booking_cancelled"
    if who.email:
        mail.queue(dbs, who.email, "booking_cancelled_by_city", reservation.lang, facility.municipality_id,
                   municipality=facility.municipality, facility=facility, name=who.name, slots=slots,
                   closing=closing, refund=0 if failed else terms.refund, refund_pending=failed,
                   status_url=public_url("booking.my_bookings", municipality=facility.municipality.slug))
    dbs.commit()
    return Cancelled(who, slots, terms.refund, who.email, failed)


def reopen(dbs: Session, facility: Facility, audit: Audit) -> bool:
    if not facility.closed:
        return False
    audit("booking.facility_reopen", "facility", facility.slug, notice=facility.closed_notice)
    facility.closed, facility.closed_notice = False, ""
    dbs.commit()
    return True


def upcoming_closures(facility: Facility, today: date) -> list[FacilityClosure]:
    return [c for c in facility.closures if c.last_day >= today]

