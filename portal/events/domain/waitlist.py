"""The waiting list (キャンセル待ち): a freed seat is offered to the next person as a time-limited hold.

waiting → offered → confirmed (they accepted, and paid where a fee is due)
                  → lapsed    (the offer ran out: the seat goes to the next person)
waiting / offered → withdrawn (they left the list or declined)
An entry is offered once; a lapsed entry does not return to the list (pretix does the same with its vouchers).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

WAITING, OFFERED, CONFIRMED, LAPSED, WITHDRAWN = "waiting", "offered", "confirmed", "lapsed", "withdrawn"

TRANSITIONS: dict[str, frozenset[str]] = {
    WAITING: frozenset({OFFERED, WITHDRAWN}),
    OFFERED: frozenset({CONFIRMED, LAPSED, WITHDRAWN}),
    CONFIRMED: frozenset(),
    LAPSED: frozenset(),
    WITHDRAWN: frozenset(),
}


class InvalidTransition(ValueError):
    pass


def check_transition(source: str, target: str) -> None:
    if target not in TRANSITIONS.get(source, frozenset()):
        raise InvalidTransition(f"a waiting-list entry cannot go from {source} to {target}")


class Waiting(NamedTuple):
    entry_id: int
    party_size: int


def to_offer(queue: Iterable[Waiting], *, free_seats: int) -> list[int]:
    """Entries to offer the freed seats to, in list order: each takes its party's seats whole, and an entry
    whose party does not fit keeps its place for the next seats freed (first fit, so no seat stays empty
    while someone who fits is waiting)."""
    offered = []
    for entry in queue:
        if free_seats <= 0:
            break
        if entry.party_size <= free_seats:
            offered.append(entry.entry_id)
            free_seats -= entry.party_size
    return offered


def offer_deadline(now: datetime, *, hold: timedelta, starts_at: datetime, closes_before: timedelta) -> datetime | None:
    """Until when an offer made ``now`` is held: the hold time, cut short by the closing time before the session;
    None when no time is left to accept (the seat then stays free for walk-ins)."""
    deadline = min(now + hold, starts_at - closes_before)
    return deadline if deadline > now else None
