"""The grid residents see, as plain values: a day's cells (slot, status, fee), the one mark a calendar day gets,
the lottery phase a slot is in, and how a facility closed for booking (休止中) shows its slots."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from portal.booking.domain.config import LotteryConfig
from portal.booking.domain.lottery import Phase
from portal.booking.domain.rules import SlotStatus
from portal.booking.domain.slots import Slot


@dataclass(frozen=True)
class Cell:
    slot: Slot
    status: SlotStatus
    fee: int | None
    #: the viewer's own booking or lottery win holds it
    mine: bool = False

    @property
    def key(self) -> str:
        return self.slot.key


@dataclass
class Day:
    day: date
    cells: list[Cell] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(c.status for c in self.cells)

    @property
    def summary(self) -> SlotStatus:
        return summary_of(self.counts)

    def bands(self) -> list[tuple[str, list[Cell]]]:
        """Cells grouped by time band ("09:00–11:00"), units in order within each."""
        grouped: dict[str, list[Cell]] = {}
        for cell in self.cells:
            band = f"{cell.slot.local_starts_at:%H:%M}–{cell.slot.local_ends_at:%H:%M}"
            grouped.setdefault(band, []).append(cell)
        return list(grouped.items())


def summary_of(statuses) -> SlotStatus:
    """One mark for a calendar day: free beats lottery beats booked; closed only when all are."""
    for status in (SlotStatus.FREE, SlotStatus.LOTTERY, SlotStatus.BOOKED, SlotStatus.NOT_OPEN, SlotStatus.CLOSED):
        if status in statuses:
            return status
    return SlotStatus.PAST


@dataclass(frozen=True)
class DaySummary:
    """A day of the month calendar: its date and the mark ``Day.summary`` would give it."""

    day: date
    summary: SlotStatus


def phase_of(lottery: LotteryConfig | None, slot: Slot, now: datetime, calendars: dict) -> Phase | None:
    if lottery is None or not lottery.scope.covers(slot):
        return None
    month = (slot.local_date.year, slot.local_date.month)
    if month not in calendars:  # one calendar per month, not per slot
        calendars[month] = lottery.schedule.calendar_for(*month)
    return calendars[month].phase(now)


def shown_as_for(closed: bool):
    """A facility closed for booking (休止中) shows every slot closed, except those past or booked."""
    if not closed:
        return _unchanged

    def shown(status: SlotStatus) -> SlotStatus:
        return status if status in (SlotStatus.PAST, SlotStatus.BOOKED) else SlotStatus.CLOSED

    return shown


def _unchanged(status: SlotStatus) -> SlotStatus:
    return status
