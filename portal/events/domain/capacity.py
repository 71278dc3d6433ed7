"""Seats are counted in people: an application brings a party (本人 + companions), and a party is never split.

The functions here decide; the database takes the seats (a locked capacity row), so two applicants racing for
the last seats are decided by ``take`` on the numbers read under the lock.
"""
from __future__ import annotations

from collections.abc import Mapping

AVAILABLE, FEW_LEFT, FULL_WAITLIST, FULL = "available", "few_left", "full_waitlist", "full"

# 残りわずか: a fifth of the seats or fewer, and never more than this many seats counts as "few" on a small course
FEW_LEFT_SHARE = 5
FEW_LEFT_AT_MOST = 2


class PartyError(ValueError):
    """The counts of a party cannot be accepted (no one coming, negative counts, an unknown type, too many)."""


def party_size(counts: Mapping[str, int]) -> int:
    size = 0
    for key, count in counts.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise PartyError(f"the count of {key!r} must be a whole number of zero or more")
        size += count
    if size < 1:
        raise PartyError("a party has at least one person")
    return size


def remaining(*, capacity: int, taken: int, held: int = 0) -> int:
    """Seats still free: ``held`` are seats kept for open waiting-list offers and unpaid holds."""
    return max(0, capacity - taken - held)


def take(*, capacity: int, taken: int, size: int, held: int = 0) -> int | None:
    """The new count of taken seats if a party of ``size`` fits whole, else None."""
    if size < 1 or size > remaining(capacity=capacity, taken=taken, held=held):
        return None
    return taken + size


def availability(*, capacity: int, taken: int, held: int = 0, waitlist_open: bool) -> str:
    """The label on an event card: 空きあり, 残りわずか, 満席 — キャンセル待ち可, or 満席."""
    left = remaining(capacity=capacity, taken=taken, held=held)
    if left == 0:
        return FULL_WAITLIST if waitlist_open else FULL
    if left <= max(FEW_LEFT_AT_MOST, capacity // FEW_LEFT_SHARE):
        return FEW_LEFT
    return AVAILABLE
