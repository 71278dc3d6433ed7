"""Benchmark: an event lottery of 20,000 applications over 50 sessions (issue 13).

Synthetic but realistic data, identical on every run: a popular course offered on 50 dates of 20–40 seats (about
1,500 seats in all), applications bringing parties of 1–3 and ranking 1–3 dates (weekends and the first weeks
wanted most), 2% of people applying twice (their second application is a duplicate and is not drawn). What is
timed is ``portal.events.lottery.compute`` — what the draw job runs, and what anyone re-running the published
record runs: duplicates split off, then ``draw_seats`` with the committed seed.

The baseline in the same run is the least any fair draw of these people must do: one HMAC-SHA256 per person and a
sort (the published order of round 1). The ratio is what counting parties against seats and walking ranked dates
costs on top of it.

    python -m bench.event_draw
"""
from __future__ import annotations

import hashlib
import hmac
import random
import statistics
import time
import tracemalloc
from collections import Counter

from portal.events import lottery

N_APPLICATIONS = 20_000
N_SESSIONS = 50
SEED = hashlib.sha256(b"kakanai bench event draw").hexdigest()   # fixed: same result every run
REPEATS = 5


def synthetic_sessions(rng: random.Random) -> tuple[dict[str, int], list[float]]:
    capacity, weights = {}, []
    for i in range(N_SESSIONS):
        key = str(1000 + i)
        capacity[key] = rng.choice((20, 24, 30, 36, 40))
        weekend = i % 7 in (5, 6)
        weights.append((3.0 if weekend else 1.0) * (2.0 if i < 14 else 1.0))
    return capacity, weights


def synthetic_record(n: int = N_APPLICATIONS, seed: int = 20261218) -> dict:
    """The record's inputs as the commit freezes them: [id, person pseudonym, party size, [dates best first]]."""
    rng = random.Random(seed)
    capacity, weights = synthetic_sessions(rng)
    keys = list(capacity)
    applications = []
    person = 0
    while len(applications) < n:
        person += 1
        for _ in range(2 if rng.random() < 0.02 else 1):
            wanted = rng.choices((1, 2, 3), (40, 35, 25))[0]
            preferences: list[str] = []
            while len(preferences) < wanted:
                key = rng.choices(keys, weights)[0]
                if key not in preferences:
                    preferences.append(key)
            size = rng.choices((1, 2, 3), (45, 35, 20))[0]
            applications.append([len(applications) + 1, f"{person:016x}", size, preferences])
    return {"applications": applications[:n], "capacity": capacity}


def published_order(record: dict) -> list[str]:
    """The baseline: round 1's order of every person, as the draw's rule defines it."""
    seed = bytes.fromhex(SEED)
    persons = {a[1] for a in record["applications"]}
    return sorted(persons, key=lambda p: (hmac.digest(seed, b"1\x1f" + p.encode(), "sha256"), p))


def _timed(fn, *args) -> list[float]:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - started)
    return times


def run() -> dict:
    started = time.perf_counter()
    record = synthetic_record()
    generate_s = time.perf_counter() - started
    lottery.compute(SEED, record)   # warm up
    draw_times = _timed(lottery.compute, SEED, record)
    baseline_times = _timed(published_order, record)

    tracemalloc.start()
    result = lottery.compute(SEED, record)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tracemalloc.start()
    published_order(record)
    _, baseline_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    sizes = {a[0]: a[2] for a in record["applications"]}
    seated = Counter()
    for application_id, win in result.winners.items():
        seated[win.session_key] += sizes[application_id]
    oversold = [k for k, n in seated.items() if n > record["capacity"][k]]
    if oversold:
        raise SystemExit(f"event draw FAILED: sessions over capacity: {oversold}")
    _kept, duplicates = lottery.split_duplicates(record["applications"])
    ranks = Counter(win.rank for win in result.winners.values())
    draw_median, baseline_median = statistics.median(draw_times), statistics.median(baseline_times)
    return {
        "benchmark": "event lottery draw",
        "applications": len(record["applications"]),
        "persons": len({a[1] for a in record["applications"]}),
        "duplicates_not_drawn": len(duplicates),
        "sessions": len(record["capacity"]),
        "seats": sum(record["capacity"].values()),
        "generate_inputs_s": round(generate_s, 3),
        "draw_s_min": round(min(draw_times), 3),
        "draw_s_median": round(draw_median, 3),
        "tracemalloc_peak_mib": round(peak / 2**20, 1),
        "baseline_order_s_median": round(baseline_median, 3),
        "baseline_tracemalloc_peak_mib": round(baseline_peak / 2**20, 1),
        "draw_to_baseline_ratio": round(draw_median / baseline_median, 2),
        "winners": len(result.winners),
        "seats_filled": sum(seated.values()),
        "first_choice_wins": ranks[1],
        "losers_by_reason": dict(Counter(result.losers.values())),
        "result_digest": hashlib.sha256(repr(sorted(result.winners.values())).encode()).hexdigest()[:16],
    }


def main() -> None:
    for name, value in run().items():
        print(f"{name:>30}: {value}")


if __name__ == "__main__":
    main()
