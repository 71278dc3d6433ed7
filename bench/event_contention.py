"""Benchmark: 200 residents press 申し込む at the same instant for the last 30 seats of a course, on PostgreSQL
(issue 13).

Each application is a thread with its own database connection, released together by a barrier, calling
``portal.events.registration.apply`` and committing — what the apply page does — with parties of 1–3 (fixed by a
seeded random generator). The seat counter's conditional UPDATE must give out exactly 30 seats (the demand is
about 400 people), never split a party, and refuse every other application with ``full``. Repeated over several
rounds, each on an event of its own. Reports the seats taken per round (the run fails unless every round has
exactly 30, with the counter equal to the parties holding seats), p50/p95 latency of one application from the
barrier to its commit, and the same figures for applications made one at a time in the same run, with the ratio.

    DATABASE_URL=postgresql://postgres@127.0.0.1:25432/portal_bench python -m bench.event_contention

Uses the named database as it is: migrates it, then works in a municipality of its own and residents of its own,
which are removed afterwards (nothing else in the database is touched). Needs ATTEMPTS + 1 connections.
"""
from __future__ import annotations

import os
import random
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

ATTEMPTS = 200
SEATS = 30
ROUNDS = 3
SOLO = 30          # applications one at a time, for the uncontended figure
MUNICIPALITY = {"slug": "bench-events", "name": "ベンチ市", "name_en": "Bench City", "prefecture": "愛知県",
                "code": "999991"}
NOW = datetime(2030, 6, 1, 1, 0, tzinfo=UTC)
START = datetime(2030, 6, 20, 1, 0, tzinfo=UTC)


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def build(session: Session, tag: str) -> tuple[int, list[int], bool]:
    """The bench municipality (created if missing) and ATTEMPTS residents; returns (municipality id, resident ids,
    whether the municipality was created by this run)."""
    from portal.identity.models import Resident
    from portal.tenancy.models import Municipality

    municipality = session.scalar(select(Municipality).where(Municipality.slug == MUNICIPALITY["slug"]))
    created = municipality is None
    if created:
        municipality = Municipality(**MUNICIPALITY)
        session.add(municipality)
        session.flush()
    residents = [Resident(sub=f"bench-{tag}-{n:04d}", issuer="http://bench.invalid", claims={}, remembered={})
                 for n in range(ATTEMPTS)]
    session.add_all(residents)
    session.commit()
    return municipality.id, [r.id for r in residents], created


def make_event(session: Session, municipality_id: int, tag: str, capacity: int) -> int:
    from portal.events.models import Event, EventSession

    event = Event(municipality_id=municipality_id, slug=f"bench-{tag}", title="ベンチマーク講座", category="course",
                  participant_types=[{"key": "adult", "label": "大人", "price": 0}], max_party=3,
                  opens_at=NOW - timedelta(days=1), closes_at=START - timedelta(days=1), status="published",
                  waitlist=False, allocation="first_come")
    event.sessions = [EventSession(starts_at=START, ends_at=START + timedelta(hours=2), capacity=capacity)]
    session.add(event)
    session.commit()
    return event.id


def remove(session: Session, municipality_id: int, resident_ids: list[int], remove_municipality: bool) -> None:
    from portal.events.models import Event, EventRegistration, EventSession, RegistrationSession
    from portal.identity.models import Resident
    from portal.tenancy.models import Municipality

    events = select(Event.id).where(Event.municipality_id == municipality_id)
    registrations = select(EventRegistration.id).where(EventRegistration.event_id.in_(events))
    session.execute(delete(RegistrationSession).where(RegistrationSession.registration_id.in_(registrations)))
    session.execute(delete(EventRegistration).where(EventRegistration.event_id.in_(events)))
    session.execute(delete(EventSession).where(EventSession.event_id.in_(events)))
    session.execute(delete(Event).where(Event.municipality_id == municipality_id))
    session.execute(delete(Resident).where(Resident.id.in_(resident_ids)))
    if remove_municipality:
        session.execute(delete(Municipality).where(Municipality.id == municipality_id))
    session.commit()


def timed_apply(dbs: Session, event, resident, size: int) -> tuple[str, float]:
    """One application as the apply page makes it, through its commit: (status | refusal code, milliseconds)."""
    from portal.events import registration

    started = time.perf_counter()
    try:
        outcome = registration.apply(dbs, event, resident, {"adult": size}, [event.sessions[0].id], now=NOW)
        dbs.commit()
        result = outcome.status
    except registration.RegistrationRefused as refused:
        dbs.rollback()
        result = refused.code
    return result, (time.perf_counter() - started) * 1000


def contend(maker: sessionmaker, event_id: int, resident_ids: list[int], sizes: list[int]) -> dict:
    from portal.events.models import Event
    from portal.identity.models import Resident

    n = len(resident_ids)
    barrier = threading.Barrier(n)
    lock = threading.Lock()
    outcomes: list[tuple[int, str, float]] = []
    errors: list[str] = []

    def attempt(i: int) -> None:
        dbs = maker()
        try:
            # Connect and load before the barrier: only the application is timed.
            event = dbs.get(Event, event_id)
            event.sessions  # noqa: B018  (loaded now, not inside the timing)
            resident = dbs.get(Resident, resident_ids[i])
            dbs.rollback()
            dbs.connection()
            barrier.wait()
            status, ms = timed_apply(dbs, event, resident, sizes[i])
            with lock:
                outcomes.append((sizes[i], status, ms))
        except Exception as exc:  # noqa: BLE001 — any other failure is a finding, reported and failing the run
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
            barrier.abort()
        finally:
            dbs.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"outcomes": outcomes, "errors": errors, "wall_ms": (time.perf_counter() - started) * 1000}


def counted(session: Session, event_id: int) -> tuple[int, int, int]:
    """(the session's counter, its capacity, the people in registrations holding seats)."""
    from portal.events.models import HOLDING_SEATS, EventRegistration, EventSession

    row = session.execute(select(EventSession.taken, EventSession.capacity)
                          .where(EventSession.event_id == event_id)).one()
    holding = session.scalar(select(func.coalesce(func.sum(EventRegistration.party_size), 0))
                             .where(EventRegistration.event_id == event_id,
                                    EventRegistration.status.in_(HOLDING_SEATS)))
    session.rollback()
    return row.taken, row.capacity, holding


def run_on(url: str) -> dict:
    import portal.models  # noqa: F401  (every table's metadata)
    from portal import migrate
    from portal.db import make_engine

    migrate.upgrade(url)
    setup = make_engine(url)
    crowd = make_engine(url, poolclass=NullPool)
    maker = sessionmaker(crowd, expire_on_commit=False)
    tag = f"{os.getpid()}-{time.time_ns()}"
    rng = random.Random(20300601)
    with Session(setup) as session:
        municipality_id, resident_ids, created = build(session, tag)
        try:
            # uncontended: one application at a time on an event with room for everyone
            solo_event = make_event(session, municipality_id, f"{tag}-solo", SOLO * 3)
            solo = [contend(maker, solo_event, [resident_ids[i]], [rng.randint(1, 3)]) for i in range(SOLO)]
            rounds, counts, sizes_per_round = [], [], []
            for r in range(ROUNDS):
                event_id = make_event(session, municipality_id, f"{tag}-{r}", SEATS)
                sizes = [rng.randint(1, 3) for _ in range(ATTEMPTS)]
                sizes_per_round.append(sizes)
                rounds.append(contend(maker, event_id, resident_ids, sizes))
                counts.append(counted(session, event_id))
            max_connections = session.scalar(text("SHOW max_connections"))
        finally:
            remove(session, municipality_id, resident_ids, created)
    setup.dispose()
    crowd.dispose()

    taken = [c[0] for c in counts]
    holding = [c[2] for c in counts]
    confirmed = [sum(1 for _, s, _ in r["outcomes"] if s == "confirmed") for r in rounds]
    refused = [sum(1 for _, s, _ in r["outcomes"] if s == "full") for r in rounds]
    other = [sorted({s for _, s, _ in r["outcomes"] if s not in ("confirmed", "full")}) for r in rounds]
    errors = [e for r in rounds for e in r["errors"]] + [e for r in solo for e in r["errors"]]
    every = [ms for r in rounds for _, _, ms in r["outcomes"]]
    winners = [ms for r in rounds for _, s, ms in r["outcomes"] if s == "confirmed"]
    losers = [ms for r in rounds for _, s, ms in r["outcomes"] if s == "full"]
    alone = [ms for r in solo for _, _, ms in r["outcomes"]]
    alone_p50 = statistics.median(alone) if alone else None
    p50 = statistics.median(every) if every else None
    results = {
        "benchmark": "event seat contention: 200 concurrent applications, parties of 1-3, 30 seats (PostgreSQL)",
        "attempts_per_round": ATTEMPTS,
        "rounds": ROUNDS,
        "people_asking_per_round": [sum(s) for s in sizes_per_round],
        "seats_taken_per_round": taken,
        "people_holding_seats_per_round": holding,
        "applications_confirmed_per_round": confirmed,
        "refused_full_per_round": refused,
        "other_outcomes": other,
        "other_errors": len(errors),
        "uncontended_ms_p50": round(alone_p50, 1) if alone else None,
        "uncontended_ms_p95": round(_percentile(alone, 0.95), 1) if alone else None,
        "application_ms_p50": round(p50, 1) if every else None,
        "application_ms_p95": round(_percentile(every, 0.95), 1) if every else None,
        "application_ms_max": round(max(every), 1) if every else None,
        "p50_to_uncontended_ratio": round(p50 / alone_p50, 1) if every and alone else None,
        "confirmed_ms_p50": round(statistics.median(winners), 1) if winners else None,
        "refused_ms_p50": round(statistics.median(losers), 1) if losers else None,
        "round_wall_ms_median": round(statistics.median(r["wall_ms"] for r in rounds), 1),
        "postgresql_max_connections": max_connections,
    }
    good = (not errors and all(t == SEATS for t in taken) and taken == holding and not any(other)
            and all(c + f == ATTEMPTS for c, f in zip(confirmed, refused, strict=True)))
    if not good:
        for key, value in results.items():
            print(f"{key:>32}: {value}")
        for error in errors[:5]:
            print(f"  error: {error}")
        raise SystemExit(f"event contention FAILED: seats taken per round {taken} (expected {SEATS}), holding "
                         f"{holding}, {len(errors)} errors, other outcomes {other}")
    return results


def run() -> dict:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return {"PostgreSQL": "skipped (set DATABASE_URL=postgresql://… to run it; SQLite has a single writer)"}
    return run_on(url)


def main() -> None:
    for name, value in run().items():
        print(f"{name:>32}: {value}")


if __name__ == "__main__":
    main()
