"""Booking rules of a facility and the availability status of each slot.

``check_booking`` returns every problem at once (not just the first) so the form can show them together;
each :class:`Violation` carries its message in Japanese and English.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from portal.booking.domain.calendar import local_date, require_aware, to_local
from portal.booking.domain.slots import Slot


@dataclass(frozen=True)
class Violation:
    code: str
    message_ja: str
    message_en: str


@dataclass(frozen=True)
class BookingRules:
    max_days_ahead: int                   # bookable up to this many Tokyo calendar days ahead
    min_notice_hours: int                 # …and at least this long before the slot starts
    max_slots_per_person_per_month: int   # per verified person and Tokyo month of the slot
    resident_only: bool = False
    group_required: bool = False          # only registered groups (団体登録) may book
    hold_minutes: int = 30                # how long an unpaid booking keeps its slots
    max_slots_per_booking: int | None = None


def _when(slot: Slot) -> str:
    start = slot.local_starts_at
    return f"{start.year}年{start.month}月{start.day}日 {start:%H:%M}"


def _when_en(slot: Slot) -> str:
    return f"{slot.local_starts_at:%Y-%m-%d %H:%M}"


def eligibility_violations(rules: BookingRules, is_resident: bool, has_group: bool) -> list[Violation]:
    """Who may book at all; shared with lottery applications."""
    found = []
    if rules.resident_only and not is_resident:
        found.append(Violation("resident_only", "この施設は市内在住・在勤・在学の方のみ利用できます。",
                               "Only residents (or people working or studying here) may use this facility."))
    if rules.group_required and not has_group:
        found.append(Violation("group_required", "この施設の予約には団体登録が必要です。",
                               "Booking this facility requires a registered group."))
    return found


def _slot_violation(rules: BookingRules, now: datetime, slot: Slot) -> Violation | None:
    """The single most relevant problem with one requested slot (a past slot is not also "short notice")."""
    if slot.is_closed:
        return Violation("closed", f"{_when(slot)}は{slot.closed_reason}のため予約できません。",
                         f"{_when_en(slot)} is closed ({slot.closed_reason}).")
    if slot.starts_at <= now:
        return Violation("past", f"{_when(slot)}の枠は受付を終了しました。",
                         f"The slot at {_when_en(slot)} is no longer bookable.")
    if slot.starts_at - now < timedelta(hours=rules.min_notice_hours):
        return Violation("short_notice", f"予約は利用開始の{rules.min_notice_hours}時間前までです（{_when(slot)}）。",
                         f"Bookings close {rules.min_notice_hours} hours before the start ({_when_en(slot)}).")
    if (slot.local_date - local_date(now)).days > rules.max_days_ahead:
        return Violation("too_far_ahead",
                         f"予約は利用日の{rules.max_days_ahead}日前から受け付けます（{_when(slot)}の枠）。",
                         f"Bookings open {rules.max_days_ahead} days before the day of use ({_when_en(slot)}).")
    return None


def check_booking(rules: BookingRules, now: datetime, requested_slots: Sequence[Slot],
                  existing_slot_starts: Iterable[datetime], is_resident: bool, has_group: bool) -> list[Violation]:
    """Problems with booking ``requested_slots`` for one person; an empty list means the rules allow it.

    ``existing_slot_starts``: start times of the person's (the identity sub's) other active bookings, any month;
    the monthly cap counts them per Tokyo month together with the requested slots.
    Whether the slots are still free is not a rule: the caller checks that under a lock.
    """
    require_aware(now)
    if not requested_slots:
        return [Violation("empty", "予約する枠を選んでください。", "Choose at least one slot.")]
    found = eligibility_violations(rules, is_resident, has_group)
    keys = [slot.key for slot in requested_slots]
    if len(set(keys)) != len(keys):
        found.append(Violation("duplicate_slot", "同じ枠が2回選ばれています。", "The same slot is selected twice."))
    if rules.max_slots_per_booking is not None and len(requested_slots) > rules.max_slots_per_booking:
        found.append(Violation("too_many_slots", f"1回の予約は{rules.max_slots_per_booking}枠までです。",
                               f"One booking may hold at most {rules.max_slots_per_booking} slots."))
    found.extend(v for slot in requested_slots if (v := _slot_violation(rules, now, slot)))
    found.extend(_monthly_cap_violations(rules, requested_slots, existing_slot_starts))
    return found


def _monthly_cap_violations(rules: BookingRules, requested: Sequence[Slot],
                            existing_starts: Iterable[datetime]) -> list[Violation]:
    cap = rules.max_slots_per_person_per_month
    existing = Counter(_month(to_local(start)) for start in existing_starts)
    wanted = Counter(_month(slot.local_starts_at) for slot in {s.key: s for s in requested}.values())
    found = []
    for (year, month), count in sorted(wanted.items()):
        already = existing[(year, month)]
        if already + count > cap:
            found.append(Violation(
                "monthly_cap",
                f"{year}年{month}月の予約は1人{cap}枠までです（予約済み{already}枠＋今回{count}枠）。",
                f"At most {cap} slots per person in {year}-{month:02d} "
                f"({already} already booked + {count} requested)."))
    return found


def _month(moment: datetime) -> tuple[int, int]:
    return moment.year, moment.month


def hold_expires_at(rules: BookingRules, created_at: datetime) -> datetime:
    """Until when an unpaid booking keeps its slots; after that they are free for others again."""
    return require_aware(created_at) + timedelta(minutes=rules.hold_minutes)


def hold_is_active(rules: BookingRules, created_at: datetime, now: datetime) -> bool:
    return require_aware(now) < hold_expires_at(rules, created_at)


# --- availability -----------------------------------------------------------------------------------------------

class SlotStatus(StrEnum):
    FREE = "free"
    LOTTERY = "lottery"
    BOOKED = "booked"
    CLOSED = "closed"
    PAST = "past"
    # Not yet (or not currently) bookable: before the booking horizon, or a lottery slot between the close of
    # applications and the opening of leftovers to first-come. Neither 空き nor 抽選受付中 would be true then.
    NOT_OPEN = "not_open"

    @property
    def label_ja(self) -> str:
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _LABELS[self][1]


_LABELS = {
    SlotStatus.FREE: ("空き", "Available"),
    SlotStatus.LOTTERY: ("抽選受付中", "Lottery applications open"),
    SlotStatus.BOOKED: ("予約済", "Booked"),
    SlotStatus.CLOSED: ("休館", "Closed"),
    SlotStatus.PAST: ("受付終了", "Booking closed"),
    SlotStatus.NOT_OPEN: ("受付期間外", "Not open for booking yet"),
}


def slot_status(slot: Slot, now: datetime, lottery_phase: str | None = None, taken: bool = False,
                rules: BookingRules | None = None) -> SlotStatus:
    """What the availability grid shows for one slot.

    ``lottery_phase``: the :class:`~portal.booking.domain.lottery.Phase` of the slot's lottery, or None when the slot
    is not a lottery slot. ``taken``: held by a booking or a lottery win. With ``rules``, slots within the
    minimum notice read 受付終了 and slots beyond the booking horizon read 受付期間外.
    """
    return status_at(now, rules)(slot, lottery_phase, taken)


def status_at(now: datetime, rules: BookingRules | None = None):
    """``slot_status`` at one moment as a function of (slot, lottery_phase, taken), for the hundreds of slots
    of a calendar: the moment's own checks (aware, its Tokyo date, the notice) are done once."""
    require_aware(now)
    notice = timedelta(hours=rules.min_notice_hours) if rules else timedelta(0)
    today = local_date(now)

    def status(slot: Slot, lottery_phase: str | None = None, taken: bool = False) -> SlotStatus:
        if slot.closed_reason is not None:
            return SlotStatus.CLOSED
        if slot.starts_at <= now or slot.starts_at - now < notice:   # same boundary as check_booking
            return SlotStatus.PAST
        if taken:
            return SlotStatus.BOOKED
        if lottery_phase is not None and lottery_phase != "first_come":
            return SlotStatus.LOTTERY if lottery_phase == "applications" else SlotStatus.NOT_OPEN
        if rules and (slot.local_date - today).days > rules.max_days_ahead:
            return SlotStatus.NOT_OPEN
        return SlotStatus.FREE

    return status
