"""Run every benchmark: ``python -m bench`` (or ``make bench``). Each module listed has ``run() -> dict``."""
from __future__ import annotations

import importlib

BENCHMARKS = ("bench.draw", "bench.queue", "bench.booking_contention", "bench.booking_availability",
              "bench.outbox", "bench.pages", "bench.event_draw", "bench.event_contention", "bench.event_list")


def main() -> None:
    for name in BENCHMARKS:
        results = importlib.import_module(name).run()
        print(f"== {name}")
        for key, value in results.items():
            print(f"  {key:>26}: {value}")


if __name__ == "__main__":
    main()
