"""The lottery draw (抽選): fair, reproducible from a published seed, and auditable step by step.

Procedure, so that nobody — including the municipality — can steer the outcome:
1. When applications close, generate ``seed = new_seed()`` (256 bits from ``secrets``) and publish
   ``seed_commitment(seed)`` (SHA-256 of the seed bytes) and ``inputs_digest(applications)``.
2. Run ``draw(seed, applications, caps…)``. 3. Publish the seed, the (pseudonymised) inputs and the trace;
   anyone can check the commitment and re-run the draw (``verify_draw``) to get the identical result.

Algorithm "kakanai-draw-v1" (random serial dictatorship in rounds):
- Inputs are put in canonical order first (applications by ``application_id``), so the order they are passed
  in never matters. Each person's applications are taken in application-id order (submission order).
- Round r = 1, 2, …: every person with an undecided application is visited once, in the order of
  ``HMAC-SHA256(key=seed, msg=f"{r}\\x1f{person_key}")`` (ties, never seen in practice, by person_key).
  The visited person's next application is decided: lost "person_cap" if the person already has
  ``win_cap_per_person`` wins, lost "group_cap" if its group has ``win_cap_per_group`` wins, otherwise it
  wins its best-ranked preference still free, or is lost "all_taken".
- Why this is fair: HMAC outputs under an unpredictable key are independent and uniform, so each round's
  order is a uniformly random permutation, fresh every round (being first in round 1 gives no edge in
  round 2). A person counts once per round however many applications they filed, so filing more applications
  (or opening more accounts: ``person_key`` is the verified identity ``sub``) never buys a better chance at
  a first slot; it can only add later chances, and the win cap bounds those. The order key is plain
  HMAC-SHA256 and a sort, so a third party can re-implement the draw in any language — no dependence on
  CPython's Mersenne Twister or shuffle internals.

``person_key``/``group_key`` only need to be consistent within one draw; publish a pseudonym (e.g. an HMAC of
the sub), never the sub itself.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

ALGORITHM = "kakanai-draw-v1"
MIN_SEED_BYTES = 16

WON, ALL_TAKEN, PERSON_CAP, GROUP_CAP = "won", "all_taken", "person_cap", "group_cap"


class Application(NamedTuple):
    application_id: int | str   # one type per draw: ids are sorted to fix the canonical order
    person_key: str             # the verified person (identity sub, or a pseudonym of it)
    group_key: str | None       # registered group the application is made for, if any
    preferences: tuple[str, ...]  # slot keys, best first


class Win(NamedTuple):
    application_id: int | str
    slot_key: str
    rank: int   # 1 = first preference


class Decision(NamedTuple):
    """One line of the audit trace: the ``step``-th decision, taken in ``round``."""

    step: int
    round: int
    person_key: str
    application_id: int | str
    outcome: str              # won / all_taken / person_cap / group_cap
    slot_key: str | None
    rank: int | None


@dataclass(frozen=True)
class DrawResult:
    algorithm: str
    seed_commitment: str
    winners: dict[int | str, Win]      # application_id → win
    losers: dict[int | str, str]       # application_id → reason (the losing outcome)
    trace: tuple[Decision, ...]
    rounds: int


def new_seed() -> str:
    return secrets.token_hex(32)


def seed_bytes(seed_hex: str) -> bytes:
    try:
        seed = bytes.fromhex(seed_hex)
    except (TypeError, ValueError):
        raise ValueError("the seed must be a hex string") from None
    if len(seed) < MIN_SEED_BYTES:
        raise ValueError(f"the seed must have at least {MIN_SEED_BYTES} bytes to be unguessable")
    return seed


def seed_commitment(seed_hex: str) -> str:
    """SHA-256 (hex) of the raw seed bytes: published before the draw, checked against the seed after it."""
    return hashlib.sha256(seed_bytes(seed_hex)).hexdigest()


def verify_commitment(seed_hex: str, commitment: str) -> bool:
    return hmac.compare_digest(seed_commitment(seed_hex), commitment.lower())


def order_key(seed: bytes, round_no: int, person_key: str) -> bytes:
    """The published ordering rule: persons are visited in ascending order of this key in round ``round_no``."""
    return hmac.digest(seed, f"{round_no}\x1f{person_key}".encode(), "sha256")


def inputs_digest(applications: Iterable[Application], available_slots: Iterable[str] | None = None) -> str:
    """SHA-256 of the canonical inputs, published with the seed commitment so that no application can be added,
    dropped or altered once the seed is known to the organiser."""
    canonical = {
        "algorithm": ALGORITHM,
        "applications": [[a.application_id, a.person_key, a.group_key, list(a.preferences)]
                         for a in sorted(applications, key=_by_id)],
        "available_slots": None if available_slots is None else sorted(available_slots),
    }
    encoded = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def _by_id(application: Application) -> int | str:
    return application.application_id


def draw(seed_hex: str, applications: Iterable[Application], win_cap_per_person: int,
         win_cap_per_group: int | None = None, *, available_slots: Iterable[str] | None = None) -> DrawResult:
    """Run the draw (see the module docstring). Deterministic in (seed, set of applications, caps, slots).

    ``available_slots``: the slots offered in this lottery; None means every slot named in a preference.
    """
    seed = seed_bytes(seed_hex)
    if win_cap_per_person < 1 or (win_cap_per_group is not None and win_cap_per_group < 1):
        raise ValueError("win caps must be at least 1")
    queues = _queues_by_person(applications)
    if available_slots is None:
        free = {slot for queue in queues.values() for a in queue for slot in a.preferences}
    else:
        free = set(available_slots)

    person_wins: dict[str, int] = {}
    group_wins: dict[str, int] = {}
    winners: dict[int | str, Win] = {}
    losers: dict[int | str, str] = {}
    trace: list[Decision] = []
    next_index = dict.fromkeys(queues, 0)
    active = list(queues)
    round_no = 0
    while active:
        round_no += 1
        prefix = f"{round_no}\x1f".encode()
        # Same key as order_key(), inlined: this sort is the hot loop of a 100,000-application draw.
        active.sort(key=lambda person: (hmac.digest(seed, prefix + person.encode(), "sha256"), person))
        still_active = []
        for person in active:
            queue, index = queues[person], next_index[person]
            application = queue[index]
            group = application.group_key
            slot = rank = None
            if person_wins.get(person, 0) >= win_cap_per_person:
                outcome = PERSON_CAP
            elif group is not None and win_cap_per_group is not None \
                    and group_wins.get(group, 0) >= win_cap_per_group:
                outcome = GROUP_CAP
            else:
                outcome = ALL_TAKEN
                for position, wanted in enumerate(application.preferences, 1):
                    if wanted in free:
                        free.remove(wanted)
                        outcome, slot, rank = WON, wanted, position
                        person_wins[person] = person_wins.get(person, 0) + 1
                        if group is not None:
                            group_wins[group] = group_wins.get(group, 0) + 1
                        break
            if outcome == WON:
                winners[application.application_id] = Win(application.application_id, slot, rank)
            else:
                losers[application.application_id] = outcome
            trace.append(Decision(len(trace), round_no, person, application.application_id, outcome, slot, rank))
            if index + 1 < len(queue):
                next_index[person] = index + 1
                still_active.append(person)
        active = still_active

    return DrawResult(ALGORITHM, hashlib.sha256(seed).hexdigest(), winners, losers, tuple(trace), round_no)


def _queues_by_person(applications: Iterable[Application]) -> dict[str, list[Application]]:
    queues: dict[str, list[Application]] = {}
    previous = None
    for application in sorted(applications, key=_by_id):
        if previous is not None and application.application_id == previous:
            raise ValueError(f"duplicate application id {previous!r}")
        previous = application.application_id
        queues.setdefault(application.person_key, []).append(application)
    return queues


def verify_draw(seed_hex: str, commitment: str, applications: Iterable[Application], result: DrawResult,
                win_cap_per_person: int, win_cap_per_group: int | None = None, *,
                available_slots: Iterable[str] | None = None) -> bool:
    """What an auditor does: the seed matches its commitment and re-running the draw gives the same result."""
    if not verify_commitment(seed_hex, commitment):
        return False
    rerun = draw(seed_hex, applications, win_cap_per_person, win_cap_per_group, available_slots=available_slots)
    return rerun == result
