"""What residents see: every slot of a facility between two dates with its status (空き / 抽選受付中 / 予約済 /
休館 / 受付終了 / 受付期間外) and fee, from one query for the taken slots and the pure rules."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from portal.booking.domain import config
from portal.booking.domain.availability import Cell, Day, DaySummary, phase_of, shown_as_for, summary_of
from portal.booking.domain.lottery import Phase
from portal.booking.domain.pricing import slot_fee
from portal.booking.domain.rules import SlotStatus, status_at
from portal.booking.domain.slots import Slot
from portal.booking.models import Facility
from portal.booking.services import inventory
from portal.booking.services.settings import settings_of


def lottery_phase(facility: Facility, slot: Slot, now: datetime) -> Phase | None:
    """The phase of the lottery the slot belongs to, or None when it is not a lottery slot."""
    return phase_of(settings_of(facility).lottery, slot, now, {})


def is_resident_of(resident, facility: Facility) -> bool:
    """市内在住: the card's address is in the facility's municipality (non-residents pay the other column)."""
    if resident is None:
        return True  # anonymous visitors see resident prices, labelled as such
    address = (resident.claims or {}).get("address") or {}
    city = facility.municipality
    return address.get("region") == city.prefecture and address.get("locality") == city.name


def days(dbs: Session, facility: Facility, start: date, end: date, now: datetime, resident=None) -> list[Day]:
    """Every day from ``start`` to ``end`` (inclusive, Tokyo dates) with its cells in (time, unit) order."""
    settings = settings_of(facility)
    rules, prices, lottery = settings.rules, settings.prices, settings.lottery
    calendars: dict = {}
    taken = inventory.taken_by(dbs, facility, start, end, now)
    resident_prices = is_resident_of(resident, facility)
    sub = resident.sub if resident is not None else None
    by_day: dict[date, Day] = {}
    status_of, shown_as = status_at(now, rules), shown_as_for(facility.closed)
    for slot in config.slots_of(facility, start, end):
        phase = phase_of(lottery, slot, now, calendars)
        key = slot.key
        is_taken = key in taken
        status = shown_as(status_of(slot, phase, is_taken))
        fee = None if slot.is_closed else slot_fee(prices, slot, resident_prices)
        mine = is_taken and sub is not None and taken[key] == sub
        by_day.setdefault(slot.local_date, Day(slot.local_date)).cells.append(Cell(slot, status, fee, mine))
    return [by_day[d] for d in sorted(by_day)]


def day_summaries(dbs: Session, facility: Facility, start: date, end: date, now: datetime) -> list[DaySummary]:
    """``Day.summary`` of every day ``days`` would give, worked out per time band rather than per slot: the
    units of a band share its status but for being taken, so a band shows at most two statuses (a month of
    hourly rooms is a thousand slots, but a few hundred bands)."""
    units = [u.slug for u in facility.units if u.active]
    if not units:
        return []
    settings = settings_of(facility)
    rules, lottery = settings.rules, settings.lottery
    calendars: dict = {}
    taken = inventory.taken_by(dbs, facility, start, end, now)
    shown: dict[date, set[SlotStatus]] = {}
    status_of, shown_as = status_at(now, rules), shown_as_for(facility.closed)
    for band in config.bands_of(facility, start, end):
        phase = phase_of(lottery, band, now, calendars)
        taken_units = sum(key in taken for key in band.keys_on(units)) if taken else 0
        statuses = shown.setdefault(band.local_date, set())
        if taken_units < len(units):
            statuses.add(shown_as(status_of(band, phase, False)))
        if taken_units:
            statuses.add(shown_as(status_of(band, phase, True)))
    return [DaySummary(day, summary_of(statuses)) for day, statuses in sorted(shown.items())]
