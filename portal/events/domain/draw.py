"""The seat lottery for an oversubscribed event (申込多数の場合は抽選), counting party sizes against capacity.

The same published procedure as facility lotteries (``portal.booking.domain.draw``): a 256-bit seed committed before
the draw, persons visited in rounds in the order of HMAC-SHA256(seed, round ∥ person), so the result is
reproducible by anyone from the published seed and inputs. What differs is the prize: an application names
sessions in order of preference (one session, or alternative dates), brings a party, and wins the first of
its sessions with seats left for the whole party — a party is never split, so a party of 3 loses where 2
seats remain while a later party of 2 may still win them.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from portal.booking.domain.draw import seed_bytes, verify_commitment

ALGORITHM = "kakanai-seat-draw-v1"

WON, ALL_FULL, PERSON_CAP = "won", "all_full", "person_cap"


class EventApplication(NamedTuple):
    application_id: int | str
    person_key: str                   # the verified person (identity sub, or a pseudonym of it)
    party_size: int
    preferences: tuple[str, ...]      # session keys, best first


class SeatWin(NamedTuple):
    application_id: int | str
    session_key: str
    rank: int


@dataclass(frozen=True)
class SeatDrawResult:
    algorithm: str
    seed_commitment: str
    winners: dict[int | str, SeatWin]
    losers: dict[int | str, str]
    trace: tuple[tuple[int, int, str, int | str, str, str | None], ...]   # step, round, person, id, outcome, session
    rounds: int


def draw_seats(seed_hex: str, applications: Iterable[EventApplication], capacity: Mapping[str, int],
               win_cap_per_person: int = 1) -> SeatDrawResult:
    seed = seed_bytes(seed_hex)
    if win_cap_per_person < 1:
        raise ValueError("the win cap must be at least 1")
    queues: dict[str, list[EventApplication]] = {}
    seen: set[int | str] = set()
    for application in sorted(applications, key=lambda a: a.application_id):
        if application.application_id in seen:
            raise ValueError(f"duplicate application id {application.application_id!r}")
        if application.party_size < 1:
            raise ValueError(f"application {application.application_id!r} brings nobody")
        seen.add(application.application_id)
        queues.setdefault(application.person_key, []).append(application)

    left = dict(capacity)
    wins: dict[str, int] = {}
    winners: dict[int | str, SeatWin] = {}
    losers: dict[int | str, str] = {}
    trace = []
    next_index = dict.fromkeys(queues, 0)
    active = list(queues)
    round_no = 0
    while active:
        round_no += 1
        prefix = f"{round_no}\x1f".encode()
        active.sort(key=lambda person: (hmac.digest(seed, prefix + person.encode(), "sha256"), person))
        still_active = []
        for person in active:
            application = queues[person][next_index[person]]
            outcome, won = ALL_FULL, None
            if wins.get(person, 0) >= win_cap_per_person:
                outcome = PERSON_CAP
            else:
                for rank, session in enumerate(application.preferences, 1):
                    if left.get(session, 0) >= application.party_size:
                        left[session] -= application.party_size
                        wins[person] = wins.get(person, 0) + 1
                        outcome, won = WON, SeatWin(application.application_id, session, rank)
                        break
            if won is not None:
                winners[application.application_id] = won
            else:
                losers[application.application_id] = outcome
            trace.append((len(trace), round_no, person, application.application_id, outcome,
                          won.session_key if won else None))
            next_index[person] += 1
            if next_index[person] < len(queues[person]):
                still_active.append(person)
        active = still_active
    return SeatDrawResult(ALGORITHM, hashlib.sha256(seed).hexdigest(), winners, losers, tuple(trace), round_no)


def verify_seat_draw(seed_hex: str, commitment: str, applications: Iterable[EventApplication],
                     capacity: Mapping[str, int], result: SeatDrawResult, win_cap_per_person: int = 1) -> bool:
    """What an auditor does: the seed matches its commitment and re-running the draw gives the same result."""
    return verify_commitment(seed_hex, commitment) and \
        draw_seats(seed_hex, applications, capacity, win_cap_per_person) == result
