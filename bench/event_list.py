"""Benchmark: the events list of a municipality with 500 published events (issue 13), in requests per second.

A fresh SQLite database (the schema from the migrations), 500 published events in one municipality — single
dates, choices of two and series of three, all categories and 対象, a quarter paid, some full — then the real
pages through the Flask test client in one process, the whole request (routing, the queries, the cards and the
template): ``GET /<m>/events`` (the first page of 20), the same filtered by fee (filtered in Python, so every
matching event is loaded), and the month calendar. As a baseline, in the same run and interleaved round by
round so a busy machine slows both alike, the municipality's procedure catalogue: each page's figure is also
given as a ratio to it. SQL statements per request are counted (the same for 50 events or 500: no N+1).

    python -m bench.event_list
"""
from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

EVENTS = 500
ROUNDS = 3
REQUESTS_PER_ROUND = 40
SEED = 20261213
NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
CATEGORIES = ("course", "childcare", "health", "sports", "culture", "disaster", "ict", "other")
TARGETS = ("children", "parents_children", "elderly", "adults")
PAGES = {
    "list (page 1 of 25)": "/ichinomiya/events",
    "list, fee=free (Python filter)": "/ichinomiya/events?fee=free",
    "calendar, month=2026-12": "/ichinomiya/events?view=calendar&month=2026-12",
}
BASELINE = "/ichinomiya/"


def _world(url: str):
    from sqlalchemy import select

    from portal import create_app, migrate
    from portal.events.models import Event, EventSession
    from portal.tenancy.demo import load_municipalities
    from portal.tenancy.models import Municipality

    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "OIDC_CLIENT_SECRET": "bench",
                      "RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False})
    app.extensions["clock"] = lambda: NOW
    dbs = app.extensions["db_sessionmaker"]()
    load_municipalities(dbs)
    dbs.commit()
    city = dbs.scalar(select(Municipality).where(Municipality.slug == "ichinomiya"))
    rng = random.Random(SEED)
    for i in range(EVENTS):
        mode = rng.choice(("single", "single", "choice", "series"))
        count = {"single": 1, "choice": 2, "series": 3}[mode]
        start = NOW + timedelta(days=rng.randint(1, 60), hours=rng.choice((0, 4, 8)))
        paid = rng.random() < 0.25
        types = ([{"key": "adult", "label": "大人", "price": 1200}, {"key": "child", "label": "子ども", "price": 600}]
                 if paid else [{"key": "adult", "label": "参加者", "price": 0}])
        capacity = rng.choice((10, 20, 30, 100))
        event = Event(municipality_id=city.id, slug=f"bench-{i:03d}", title=f"ベンチ講座 第{i}号",
                      category=CATEGORIES[i % len(CATEGORIES)], target_tags=[TARGETS[i % len(TARGETS)]],
                      participant_types=types, session_mode=mode, max_party=3, venue_name="中央公民館",
                      opens_at=NOW - timedelta(days=rng.randint(-5, 10)), closes_at=start - timedelta(days=1),
                      allocation=rng.choice(("first_come", "first_come", "lottery")), status="published")
        event.sessions = [EventSession(starts_at=start + timedelta(days=7 * k),
                                       ends_at=start + timedelta(days=7 * k, hours=2), capacity=capacity,
                                       taken=rng.randint(0, capacity)) for k in range(count)]
        dbs.add(event)
    dbs.commit()
    dbs.close()
    return app


def _statements(app, client, path: str) -> int:
    from sqlalchemy import event as sa_event

    seen = []

    def note(*args):
        seen.append(1)

    engine = app.extensions["db_engine"]
    sa_event.listen(engine, "before_cursor_execute", note)
    try:
        client.get(path).get_data()
    finally:
        sa_event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def _rate(client, path: str) -> tuple[float, list[float]]:
    timings = []
    started = time.perf_counter()
    for _ in range(REQUESTS_PER_ROUND):
        t0 = time.perf_counter()
        client.get(path).get_data()
        timings.append(time.perf_counter() - t0)
    return REQUESTS_PER_ROUND / (time.perf_counter() - started), timings


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        app = _world(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        client = app.test_client()
        for path in (BASELINE, *PAGES.values()):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        assert "ベンチ講座" in client.get(PAGES["list (page 1 of 25)"]).get_data(as_text=True)
        statements = {label: _statements(app, client, path) for label, path in PAGES.items()}
        rates: dict[str, list[float]] = {label: [] for label in (BASELINE, *PAGES)}
        ratios: dict[str, list[float]] = {label: [] for label in PAGES}
        timings: dict[str, list[float]] = {label: [] for label in PAGES}
        for _ in range(ROUNDS):
            base, _t = _rate(client, BASELINE)
            rates[BASELINE].append(base)
            for label, path in PAGES.items():
                rps, times = _rate(client, path)
                rates[label].append(rps)
                ratios[label].append(rps / base)
                timings[label].extend(times)
        app.extensions["db_engine"].dispose()
    results = {"events (published, one municipality)": EVENTS,
               "baseline: catalogue /<m>/": f"{statistics.median(rates[BASELINE]):.0f} req/s"}
    for label in PAGES:
        ordered = sorted(timings[label])
        results[label] = (f"{statistics.median(rates[label]):.0f} req/s, ratio {statistics.median(ratios[label]):.2f}"
                          f" to the catalogue, p50 {statistics.median(ordered) * 1000:.1f} ms, "
                          f"p95 {ordered[int(len(ordered) * 0.95) - 1] * 1000:.1f} ms, "
                          f"{statements[label]} SQL statements")
    return results


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:>36}: {value}")
