"""Real events for tests: a published first-come course with a waiting list, overridable."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.events.models import Event, EventSession
from portal.tenancy.models import Municipality

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)            # 10:00 Tokyo
START = datetime(2026, 12, 20, 1, 0, tzinfo=UTC)          # Sunday 20 December, 10:00 Tokyo
FREE = [{"key": "adult", "label": "大人", "label_en": "Adult", "price": 0}]
PAID = [{"key": "adult", "label": "大人", "label_en": "Adult", "price": 1200},
        {"key": "child", "label": "子ども", "label_en": "Child", "price": 600}]


def make_event(dbs: Session, capacities: tuple[int, ...] = (10,), *, municipality: str = "ichinomiya",
               slug: str = "smartphone", taken: int = 0, **overrides) -> Event:
    city = dbs.scalar(select(Municipality).where(Municipality.slug == municipality))
    fields = {"title": "スマホ教室", "title_en": "Smartphone class", "category": "ict", "participant_types": FREE,
              "max_party": 3, "opens_at": NOW - timedelta(days=1), "closes_at": START - timedelta(days=2),
              "status": "published", "waitlist": True, **overrides}
    event = Event(municipality_id=city.id, slug=slug, **fields)
    event.sessions = [EventSession(starts_at=START + timedelta(days=7 * i),
                                   ends_at=START + timedelta(days=7 * i, hours=2), capacity=capacity, taken=taken)
                      for i, capacity in enumerate(capacities)]
    dbs.add(event)
    dbs.commit()
    return event
