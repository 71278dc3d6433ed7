"""The month calendar's marks, worked out per time band, are the marks of the per-slot day list, always."""
from __future__ import annotations

import random
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from portal.booking.demo import load_demo_facilities
from portal.booking.domain import config
from portal.booking.domain.calendar import jst
from portal.booking.domain.rules import SlotStatus
from portal.booking.models import Facility, FacilityClosure
from portal.booking.services import availability, inventory

MONTH = date(2027, 5, 1)       # Golden Week: 祝日, 月曜休館 moved by the holiday rule
LAST = date(2027, 5, 31)


def per_slot(db, facility, now):
    return [(d.day, d.summary) for d in availability.days(db, facility, MONTH, LAST, now)]


def per_band(db, facility, now):
    return [(s.day, s.summary) for s in availability.day_summaries(db, facility, MONTH, LAST, now)]


FULL_DAYS = (date(2027, 5, 25), date(2027, 5, 26))


def book_some(db, facility, now, seed):
    """Two days booked out, and bands booked on every unit or on one only: the two statuses a band can show."""
    rng = random.Random(seed)
    units = [u for u in facility.units if u.active]
    bands = [b for b in config.bands_of(facility, MONTH, LAST) if not b.is_closed]
    full = [b for b in bands if b.local_date in FULL_DAYS]
    for band in full + rng.sample([b for b in bands if b not in full], 40):
        chosen = units if band in full or rng.random() < 0.5 else units[:1]
        slots = [s for s in config.slots_of(facility, band.local_date, band.local_date, chosen)
                 if s.starts_at == band.starts_at]
        inventory.take(db, facility, slots, kind="first_come", status="confirmed", now=now,
                       person_sub=f"sub-{rng.random()}")
    db.commit()


@pytest.mark.parametrize("slug", ["shimin-tennis", "sogo-taiikukan", "chuo-kominkan"])
def test_band_marks_equal_slot_marks(db, slug):
    load_demo_facilities(db)
    db.commit()
    facility = db.scalar(select(Facility).where(Facility.slug == slug))
    # mid-month: the days before are past, today is partly past, the lottery of the month after is open
    now = jst(date(2027, 5, 12), time(13, 30))
    empty = per_slot(db, facility, now)
    assert per_band(db, facility, now) == empty
    book_some(db, facility, now - timedelta(days=30), seed=slug)
    marks = per_slot(db, facility, now)
    assert {mark for day, mark in marks if day in FULL_DAYS} == {SlotStatus.BOOKED}
    assert per_band(db, facility, now) == marks
    # weeks ahead: the lottery months and the booking horizon decide
    for earlier in (jst(date(2027, 3, 5), time(9, 0)), jst(date(2027, 4, 1), time(8, 0))):
        assert per_band(db, facility, earlier) == per_slot(db, facility, earlier)


def test_closures_units_and_a_paused_facility(db):
    load_demo_facilities(db)
    db.commit()
    facility = db.scalar(select(Facility).where(Facility.slug == "chuo-kominkan"))
    now = jst(date(2027, 5, 3), time(10, 0))
    book_some(db, facility, now - timedelta(days=30), seed=7)
    db.add(FacilityClosure(facility_id=facility.id, first_day=date(2027, 5, 20), last_day=date(2027, 5, 22),
                           reason="設備点検"))
    db.commit()
    db.refresh(facility)
    marks = per_slot(db, facility, now)
    assert {mark for day, mark in marks if date(2027, 5, 20) <= day <= date(2027, 5, 22)} == {SlotStatus.CLOSED}
    assert per_band(db, facility, now) == marks

    facility.units[0].active = False  # a unit taken out of service
    db.commit()
    assert per_band(db, facility, now) == per_slot(db, facility, now)

    facility.closed = True  # 休止中: closed, except what is past or booked
    db.commit()
    marks = per_slot(db, facility, now)
    assert SlotStatus.CLOSED in {mark for _day, mark in marks}
    assert per_band(db, facility, now) == marks

    for unit in facility.units:
        unit.active = False
    db.commit()
    assert per_band(db, facility, now) == per_slot(db, facility, now) == []


def test_bands_are_worked_out_again_when_the_settings_change(db):
    load_demo_facilities(db)
    db.commit()
    facility = db.scalar(select(Facility).where(Facility.slug == "chuo-kominkan"))
    first = config.bands_of(facility, MONTH, LAST)
    assert config.bands_of(facility, MONTH, LAST) is first  # the same settings: the same (immutable) bands
    facility.opening_hours = {"weekly": {str(d): ["10:00", "16:00"] for d in range(7)}}
    db.commit()
    changed = config.bands_of(facility, MONTH, LAST)
    assert min(b.local_starts_at.hour for b in changed) == 10
    db.add(FacilityClosure(facility_id=facility.id, first_day=date(2027, 5, 6), last_day=date(2027, 5, 6),
                           reason="設備点検"))
    db.commit()
    db.refresh(facility)
    closed = [b for b in config.bands_of(facility, MONTH, LAST) if b.local_date == date(2027, 5, 6)]
    assert closed and all(b.closed_reason == "設備点検" for b in closed)


def test_the_month_page_links_every_day_to_its_slots(db, client):
    load_demo_facilities(db)
    db.commit()
    page = client.get("/ichinomiya/facilities/chuo-kominkan?view=month&date=2027-05-01").get_data(as_text=True)
    for day in range(1, 32):
        assert f'href="/ichinomiya/facilities/chuo-kominkan?date=2027-05-{day:02d}"' in page
    assert "0000-00-00" not in page
    assert page.count('class="month-grid__day month-grid__day--') == 31
