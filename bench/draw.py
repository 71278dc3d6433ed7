"""Benchmark: the lottery draw for 100,000 applications over 5,000 slots (issue 5).

Synthetic but realistic data, identical on every run: 50 bookable units × 25 days × 4 bands; evening bands,
土日祝 and a few popular units attract most first preferences; people file 1–4 applications of 1–5 ranked
preferences, a quarter of them for a registered group.

    python -m bench.draw
"""
from __future__ import annotations

import hashlib
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections import Counter

from portal.booking.domain.draw import Application, draw

N_APPLICATIONS = 100_000
UNITS, DAYS, BANDS = 50, 25, ("09:00", "13:00", "18:00", "21:00")   # 50 × 25 × 4 = 5,000 slots
WIN_CAP_PER_PERSON, WIN_CAP_PER_GROUP = 2, 6
SEED = hashlib.sha256(b"kakanai bench draw").hexdigest()   # fixed: same result every run
REPEATS = 3


def synthetic_slots() -> tuple[list[str], list[float]]:
    keys, weights = [], []
    for unit in range(UNITS):
        for day in range(1, DAYS + 1):
            weekend = day % 7 in (5, 6)
            for band in BANDS:
                keys.append(f"unit{unit:02d}/2026-11-{day:02d} {band}")
                weight = 1.0
                weight *= 4.0 if band == "18:00" else 2.0 if band == "21:00" else 1.0
                weight *= 3.0 if weekend else 1.0
                weight *= 2.5 if unit < 5 else 1.0   # the main arena and its courts
                weights.append(weight)
    return keys, weights


def synthetic_applications(n: int = N_APPLICATIONS, seed: int = 20261101) -> list[Application]:
    rng = random.Random(seed)
    keys, weights = synthetic_slots()
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    applications: list[Application] = []
    person = 0
    while len(applications) < n:
        person += 1
        group = f"group{rng.randrange(2_000):04d}" if rng.random() < 0.25 else None
        for _ in range(rng.choices((1, 2, 3, 4), (45, 30, 15, 10))[0]):
            wanted = rng.choices((1, 2, 3, 4, 5), (15, 20, 25, 20, 20))[0]
            preferences: list[str] = []
            while len(preferences) < wanted:
                key = rng.choices(keys, cum_weights=cumulative)[0]
                if key not in preferences:
                    preferences.append(key)
            applications.append(Application(len(applications) + 1, f"person{person:06d}", group, tuple(preferences)))
            if len(applications) == n:
                break
    return applications


def _max_rss_mib() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 / 1024 if sys.platform == "darwin" else rss / 1024   # bytes on macOS, KiB on Linux


def run() -> dict:
    started = time.perf_counter()
    applications = synthetic_applications()
    slots, _ = synthetic_slots()
    generate_s = time.perf_counter() - started
    rss_before_mib = _max_rss_mib()

    # Wall time without tracemalloc, which slows every allocation down.
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = draw(SEED, applications, WIN_CAP_PER_PERSON, WIN_CAP_PER_GROUP, available_slots=slots)
        times.append(time.perf_counter() - started)
        del result
    rss_after_mib = _max_rss_mib()

    # Peak of what the draw itself allocates (its inputs already exist).
    tracemalloc.start()
    result = draw(SEED, applications, WIN_CAP_PER_PERSON, WIN_CAP_PER_GROUP, available_slots=slots)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    ranks = Counter(win.rank for win in result.winners.values())
    return {
        "benchmark": "lottery draw",
        "applications": len(applications),
        "persons": len({a.person_key for a in applications}),
        "slots": len(slots),
        "generate_inputs_s": round(generate_s, 3),
        "draw_s_min": round(min(times), 3),
        "draw_s_median": round(statistics.median(times), 3),
        "tracemalloc_peak_mib": round(peak / 2**20, 1),
        "max_rss_mib_before_draw": round(rss_before_mib, 1),
        "max_rss_mib_after_draw": round(rss_after_mib, 1),
        "rounds": result.rounds,
        "winners": len(result.winners),
        "first_choice_wins": ranks[1],
        "losers_by_reason": dict(Counter(result.losers.values())),
        "result_digest": hashlib.sha256(repr(sorted(result.winners.values())).encode()).hexdigest()[:16],
    }


def main() -> None:
    for name, value in run().items():
        print(f"{name:>26}: {value}")


if __name__ == "__main__":
    main()
