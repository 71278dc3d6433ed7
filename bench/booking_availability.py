"""Benchmark: the month availability view of a facility with 10 units (issue 5), in requests per second.

A fresh SQLite database (the schema from the migrations), one facility with 10 units and three bands a day,
about a third of next month's slots booked; then the real page ``GET /<m>/facilities/<slug>?view=month``
through the Flask test client — the whole request: routing, the taken-slots query, slot generation, rules,
prices and the template — for a fixed number of requests in one process, and the service call alone
(``portal.booking.services.availability.days``) to show where the time goes. Gunicorn runs one such process per worker.

    python -m bench.booking_availability
"""
from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

REQUESTS = 200
UNITS = 10
SEED = 20261201
MONTH = date(2027, 2, 1)
NOW = datetime(2026, 12, 20, 1, 0, tzinfo=UTC)


def _world(url: str):
    from sqlalchemy import select

    from portal import create_app, migrate
    from portal.booking.domain import config
    from portal.booking.models import Facility, FacilityUnit
    from portal.booking.services.inventory import take
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
    data = {
        "category": "sports_hall", "name": "ベンチ体育館", "area": "中央",
        "opening_hours": {"weekly": {str(d): ["09:00", "21:00"] for d in range(1, 7)}, "holiday": ["09:00", "17:00"],
                          "holiday_moves_closed_day": True},
        "slot_pattern": {"ranges": [["09:00", "12:00"], ["13:00", "17:00"], ["18:00", "21:00"]]},
        "prices": {"default": {"resident_weekday": 1000, "resident_holiday": 1200, "non_resident_weekday": 2000,
                               "non_resident_holiday": 2400},
                   "by_start_time": {"18:00": {"resident_weekday": 1500, "resident_holiday": 1800,
                                               "non_resident_weekday": 3000, "non_resident_holiday": 3600}}},
        "rules": {"max_days_ahead": 90, "min_notice_hours": 24, "max_slots_per_person_per_month": 8},
        "cancellation": {"free_until_days_before": 7, "late_fee_percent": 50},
        "lottery": {"schedule": {}, "scope": {"day_types": ["holiday"]}, "policy": {}},
    }
    config.check(data)
    facility = Facility(municipality_id=city.id, slug="bench-hall", **data)
    facility.units = [FacilityUnit(slug=f"unit-{i}", name=f"第{i}区画", sort_order=i) for i in range(UNITS)]
    dbs.add(facility)
    dbs.commit()
    end = MONTH.replace(day=28)
    rng = random.Random(SEED)
    slots = [s for s in config.slots_of(facility, MONTH, end) if not s.is_closed]
    for slot in rng.sample(slots, len(slots) // 3):
        take(dbs, facility, [slot], kind="first_come", status="confirmed", now=NOW, person_sub=f"bench-{rng.random()}")
    booked = len(slots) // 3
    dbs.close()
    return app, facility.id, len(slots), booked


def run() -> dict:
    from portal.booking.models import Facility
    from portal.booking.services import availability

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app, facility_id, slot_count, booked = _world(url)
        client = app.test_client()
        path = f"/ichinomiya/facilities/bench-hall?view=month&date={MONTH.isoformat()}"
        first = client.get(path)
        assert first.status_code == 200, first.status_code
        assert "○" in first.get_data(as_text=True)
        timings = []
        started = time.perf_counter()
        for _ in range(REQUESTS):
            t0 = time.perf_counter()
            client.get(path).get_data()
            timings.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - started
        service = []
        with app.app_context():
            dbs = app.extensions["db_sessionmaker"]()
            facility = dbs.get(Facility, facility_id)
            for _ in range(50):
                t0 = time.perf_counter()
                availability.days(dbs, facility, MONTH, MONTH.replace(day=28), NOW)
                service.append(time.perf_counter() - t0)
            dbs.close()
        app.extensions["db_engine"].dispose()
    timings.sort()
    return {
        "units × slots in the month": f"{UNITS} × {slot_count // UNITS} ({slot_count} slots, {booked} booked)",
        "requests": REQUESTS,
        "requests/second (1 process)": round(REQUESTS / elapsed, 1),
        "page p50 ms": round(statistics.median(timings) * 1000, 1),
        "page p95 ms": round(timings[int(len(timings) * 0.95) - 1] * 1000, 1),
        "availability.days p50 ms": round(statistics.median(service) * 1000, 1),
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:>30}: {value}")
