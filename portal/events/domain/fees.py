"""参加費 per participant type (大人 / 子ども / 無料): a line per type, integer yen, shown as 1,200円 × 2人."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.events.domain.capacity import PartyError, party_size


@dataclass(frozen=True)
class ParticipantType:
    key: str
    price: int   # yen per person; 0 for free participants (乳幼児 etc.)


@dataclass(frozen=True)
class FeeLine:
    key: str
    unit_price: int
    count: int
    amount: int


def fee_lines(types: Sequence[ParticipantType], counts: Mapping[str, int], *,
              max_party: int | None = None) -> list[FeeLine]:
    """One line per type with people coming, in the order the event lists its types."""
    known = {t.key for t in types}
    unknown = set(counts) - known
    if unknown:
        raise PartyError(f"unknown participant types: {', '.join(sorted(unknown))}")
    size = party_size(counts)
    if max_party is not None and size > max_party:
        raise PartyError(f"a party has at most {max_party} people")
    return [FeeLine(t.key, t.price, counts[t.key], t.price * counts[t.key]) for t in types if counts.get(t.key)]


def total(lines: Iterable[FeeLine]) -> int:
    return sum(line.amount for line in lines)


def konbini_allowed(*, now: datetime, pay_by: datetime, days_to_pay: int) -> bool:
    """A konbini voucher needs days to be paid: offered only when the deadline leaves at least that many."""
    return pay_by - now >= timedelta(days=days_to_pay)
