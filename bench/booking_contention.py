"""Benchmark: 100 people press 予約する for the same slot at the same instant, on PostgreSQL (issue 5).

Each attempt is a thread with its own database connection, released together by a barrier, calling
``portal.booking.services.inventory.take`` — the code the booking views run. The database (partial unique index and
exclusion constraint) must let exactly one attempt per slot win; the others get ``SlotsTaken``. Repeated over
several rounds, each on another slot. Reports the successes per round (the run fails unless every round has
exactly one) and p50/p95 latency of one attempt, next to one uncontended attempt for scale. The crowd then
runs again as 100 forked processes (as 100 web workers would), so the interpreter lock the threads share is
not what is measured: if both give similar figures, the attempts wait for the machine's cores (and for the
winner's commit, which PostgreSQL makes every other inserter of the same key wait for), not for Python.

    DATABASE_URL=postgresql://postgres@127.0.0.1:25432/portal_bench python -m bench.booking_contention

Uses the named database as it is: migrates it, then works in a municipality and facility of its own, which
are removed afterwards (nothing else in the database is touched). Needs ATTEMPTS + 1 connections.
"""
from __future__ import annotations

import os
import statistics
import threading
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session, selectinload, sessionmaker
from sqlalchemy.pool import NullPool

ATTEMPTS = 100
ROUNDS = 10
FIRST_DAY = date(2030, 6, 3)   # far enough ahead that no rule or hold of a real booking is involved
MUNICIPALITY = {"slug": "bench-contention", "name": "ベンチ市", "name_en": "Bench City", "prefecture": "愛知県",
                "code": "999990"}
FACILITY = {
    "category": "tennis_court", "name": "ベンチマーク用テニスコート", "name_kana": "ベンチマークヨウテニスコート",
    "opening_hours": {"weekly": {str(d): ["09:00", "21:00"] for d in range(7)}},
    "slot_pattern": {"ranges": [[f"{h:02d}:00", f"{h + 2:02d}:00"] for h in range(9, 21, 2)]},
    "prices": {"default": {"resident_weekday": 600, "resident_holiday": 800,
                           "non_resident_weekday": 1200, "non_resident_holiday": 1600}},
    "rules": {"max_days_ahead": 36500, "min_notice_hours": 0, "max_slots_per_person_per_month": 100},
    "cancellation": {}, "lottery": None,
}


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def build(session: Session) -> tuple[int, bool]:
    """A facility of two courts in the bench municipality (created if missing); returns (facility id, whether
    the municipality was created by this run)."""
    from portal.booking.domain import config
    from portal.booking.models import Facility, FacilityUnit
    from portal.tenancy.models import Municipality

    config.check(FACILITY)
    municipality = session.scalar(select(Municipality).where(Municipality.slug == MUNICIPALITY["slug"]))
    created = municipality is None
    if created:
        municipality = Municipality(**MUNICIPALITY)
        session.add(municipality)
        session.flush()
    facility = Facility(municipality_id=municipality.id, slug=f"contention-{os.getpid()}-{time.time_ns()}", **FACILITY)
    facility.units = [FacilityUnit(slug=s, name=n, sort_order=i) for i, (s, n) in enumerate([("court-a", "A面"),
                                                                                             ("court-b", "B面")])]
    session.add(facility)
    session.commit()
    return facility.id, created


def remove(session: Session, facility_id: int, remove_municipality: bool) -> None:
    from portal.booking.models import Facility, FacilityUnit, Reservation, ReservationSlot
    from portal.tenancy.models import Municipality

    reservations = select(Reservation.id).where(Reservation.facility_id == facility_id)
    session.execute(delete(ReservationSlot).where(ReservationSlot.reservation_id.in_(reservations)))
    session.execute(delete(Reservation).where(Reservation.facility_id == facility_id))
    session.execute(delete(FacilityUnit).where(FacilityUnit.facility_id == facility_id))
    session.execute(delete(Facility).where(Facility.id == facility_id))
    if remove_municipality:
        session.execute(delete(Municipality).where(Municipality.slug == MUNICIPALITY["slug"]))
    session.commit()


def timed_take(dbs: Session, facility, slot, note: str) -> tuple[str, float]:
    """One attempt at ``slot`` as the booking views make it: ("won" | "taken", milliseconds)."""
    from portal.booking.services import inventory

    now = datetime.now(UTC)
    started = time.perf_counter()
    try:
        inventory.take(dbs, facility, [slot], kind="first_come", status="held", now=now,
                       hold_expires_at=now + timedelta(minutes=30), note=note)
        outcome = "won"
    except inventory.SlotsTaken:
        outcome = "taken"
    return outcome, (time.perf_counter() - started) * 1000


def contend(maker: sessionmaker, facility_id: int, slot, attempts: int = ATTEMPTS) -> dict:
    """One round: ``attempts`` threads take ``slot`` at once. Returns outcomes and per-attempt latencies (ms)."""
    from portal.booking.models import Facility

    barrier = threading.Barrier(attempts)
    lock = threading.Lock()
    outcomes: list[tuple[str, float]] = []
    connect_ms: list[float] = []
    errors: list[str] = []

    def attempt(n: int) -> None:
        dbs = maker()
        try:
            # Connect and load the facility before the barrier: only the taking is timed.
            started = time.perf_counter()
            dbs.connection()
            with lock:
                connect_ms.append((time.perf_counter() - started) * 1000)
            facility = dbs.scalar(select(Facility).where(Facility.id == facility_id)
                                  .options(selectinload(Facility.units)))
            barrier.wait()
            result = timed_take(dbs, facility, slot, f"bench attempt {n}")
            with lock:
                outcomes.append(result)
        except Exception as exc:  # noqa: BLE001 — any other failure is a finding, reported and failing the run
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
            barrier.abort()
        finally:
            dbs.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(attempts)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"outcomes": outcomes, "connect_ms": connect_ms, "errors": errors,
            "wall_ms": (time.perf_counter() - started) * 1000}


def _process_attempts(url: str, facility_id: int, targets: list, barrier, results, n: int) -> None:
    """One forked process per person (no shared interpreter lock): in every round, take that round's slot once."""
    from portal.booking.models import Facility
    from portal.db import make_engine

    engine = make_engine(url, poolclass=NullPool)
    try:
        for r, slot in enumerate(targets):
            with Session(engine, expire_on_commit=False) as dbs:
                dbs.connection()
                facility = dbs.scalar(select(Facility).where(Facility.id == facility_id)
                                      .options(selectinload(Facility.units)))
                barrier.wait(timeout=120)
                try:
                    outcome, ms = timed_take(dbs, facility, slot, f"bench process {n}")
                except Exception as exc:  # noqa: BLE001 — reported, and failing the run
                    outcome, ms = f"error {type(exc).__name__}: {exc}"[:200], 0.0
                results.put((r, outcome, ms))
    finally:
        engine.dispose()


def contend_in_processes(url: str, facility_id: int, targets: list) -> list[list[tuple[str, float]]]:
    """Every round with ATTEMPTS forked processes instead of threads; returns each round's (outcome, ms)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(ATTEMPTS)
    results = context.Queue()
    workers = [context.Process(target=_process_attempts, args=(url, facility_id, targets, barrier, results, n))
               for n in range(ATTEMPTS)]
    for worker in workers:
        worker.start()
    collected = [results.get(timeout=300) for _ in range(ATTEMPTS * len(targets))]
    for worker in workers:
        worker.join(60)
    rounds: list[list[tuple[str, float]]] = [[] for _ in targets]
    for r, outcome, ms in collected:
        rounds[r].append((outcome, ms))
    return rounds


def held_rows(session: Session, facility_id: int, slot) -> int:
    from portal.booking.models import FacilityUnit, ReservationSlot

    return session.scalar(select(func.count()).select_from(ReservationSlot)
                          .join(FacilityUnit, FacilityUnit.id == ReservationSlot.unit_id)
                          .where(FacilityUnit.facility_id == facility_id, FacilityUnit.slug == slot.unit_id,
                                 ReservationSlot.starts_at == slot.starts_at, ReservationSlot.active.is_(True)))


def run_on(url: str) -> dict:
    import portal.models  # noqa: F401  (every table's metadata)
    from portal import migrate
    from portal.booking.domain import config
    from portal.booking.models import Facility
    from portal.db import make_engine

    migrate.upgrade(url)
    setup = make_engine(url)
    # One connection per thread: a pool smaller than the crowd would park threads before the barrier.
    crowd = make_engine(url, poolclass=NullPool)
    maker = sessionmaker(crowd, expire_on_commit=False)
    with Session(setup) as session:
        facility_id, created = build(session)
        try:
            facility = session.scalar(select(Facility).where(Facility.id == facility_id)
                                      .options(selectinload(Facility.units), selectinload(Facility.closures)))
            # Round r takes the 17:00 band on day r, alternating courts: a different slot every round. The
            # 19:00 bands, taken by a single thread, are the uncontended baseline.
            slots = config.slots_of(facility, FIRST_DAY, FIRST_DAY + timedelta(days=ROUNDS - 1))

            def band(hour: int, r: int):
                return next(s for s in slots if s.local_date == FIRST_DAY + timedelta(days=r)
                            and s.local_starts_at.hour == hour and s.unit_id == ("court-a", "court-b")[r % 2])

            solo = [contend(maker, facility_id, band(19, r), attempts=1) for r in range(ROUNDS)]
            targets = [band(17, r) for r in range(ROUNDS)]
            rounds = [contend(maker, facility_id, slot) for slot in targets]
            rows_held = [held_rows(session, facility_id, slot) for slot in targets]
            # The same crowd once more as separate processes, on the 15:00 bands: no shared interpreter lock.
            process_targets = [band(15, r) for r in range(ROUNDS)]
            session.close()
            setup.dispose()  # no pooled connection may be inherited by the forked children
            process_rounds = contend_in_processes(url, facility_id, process_targets)
            process_rows_held = [held_rows(session, facility_id, slot) for slot in process_targets]
            max_connections = session.scalar(text("SHOW max_connections"))
        finally:
            remove(session, facility_id, created)
    setup.dispose()
    crowd.dispose()

    successes = [sum(o == "won" for o, _ in r["outcomes"]) for r in rounds]
    taken = [sum(o == "taken" for o, _ in r["outcomes"]) for r in rounds]
    errors = [e for r in rounds for e in r["errors"]]
    every = [ms for r in rounds for _, ms in r["outcomes"]]
    winners = [ms for r in rounds for o, ms in r["outcomes"] if o == "won"]
    losers = [ms for r in rounds for o, ms in r["outcomes"] if o == "taken"]
    connects = [ms for r in rounds for ms in r["connect_ms"]]
    alone = [ms for r in solo for _, ms in r["outcomes"]]
    process_successes = [sum(o == "won" for o, _ in r) for r in process_rounds]
    process_errors = [o for r in process_rounds for o, _ in r if o not in ("won", "taken")]
    process_every = [ms for r in process_rounds for _, ms in r]
    results = {
        "benchmark": "booking contention: concurrent takers of one slot (PostgreSQL)",
        "attempts_per_round": ATTEMPTS,
        "rounds": ROUNDS,
        "successes_per_round": successes,
        "slots_taken_refusals_per_round": taken,
        "active_slot_rows_per_round": rows_held,
        "other_errors": len(errors),
        "uncontended_attempt_ms_p50": round(statistics.median(alone), 1) if alone else None,
        "attempt_ms_p50": round(statistics.median(every), 1) if every else None,
        "attempt_ms_p95": round(_percentile(every, 0.95), 1) if every else None,
        "attempt_ms_max": round(max(every), 1) if every else None,
        "winner_ms_median": round(statistics.median(winners), 1) if winners else None,
        "refused_ms_p50": round(statistics.median(losers), 1) if losers else None,
        "refused_ms_p95": round(_percentile(losers, 0.95), 1) if losers else None,
        # NullPool: a refused attempt reconnects for its "who holds it" query after the rollback.
        "connect_ms_p50": round(statistics.median(connects), 1) if connects else None,
        "round_wall_ms_median": round(statistics.median(r["wall_ms"] for r in rounds), 1),
        "processes_successes_per_round": process_successes,
        "processes_active_slot_rows": process_rows_held,
        "processes_other_errors": len(process_errors),
        "processes_attempt_ms_p50": round(statistics.median(process_every), 1) if process_every else None,
        "processes_attempt_ms_p95": round(_percentile(process_every, 0.95), 1) if process_every else None,
        "postgresql_max_connections": max_connections,
    }
    solo_ok = all(not r["errors"] and len(r["outcomes"]) == 1 for r in solo)
    errors += process_errors
    successes_ok = all(n == 1 for n in successes + rows_held + process_successes + process_rows_held)
    if errors or not solo_ok or not successes_ok or any(n != ATTEMPTS - 1 for n in taken):
        for key, value in results.items():
            print(f"{key:>32}: {value}")
        for error in errors[:5]:
            print(f"  error: {error}")
        raise SystemExit(f"booking contention FAILED: per round {successes} successes, {taken} refusals, "
                         f"{rows_held} active rows, {len(errors)} other errors "
                         f"(expected 1, {ATTEMPTS - 1}, 1 and 0)")
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
