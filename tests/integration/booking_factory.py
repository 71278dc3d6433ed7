"""Real facilities for tests: a tennis court pair with the common 公共施設 configuration, overridable."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.booking.domain import config
from portal.booking.models import Facility, FacilityUnit
from portal.tenancy.models import Municipality

TENNIS = {
    "category": "tennis_court",
    "name": "テスト市民テニスコート",
    "name_kana": "テストシミンテニスコート",
    "name_en": "Test Tennis Courts",
    "area": "中央",
    "address": "愛知県一宮市本町1丁目1番1号",
    "postal_code": "491-0859",
    "capacity": 4,
    # Open every day 9–21 so tests need not dodge closed days (closures are tested on their own).
    "opening_hours": {"weekly": {str(d): ["09:00", "21:00"] for d in range(7)}},
    "slot_pattern": {"ranges": [["09:00", "11:00"], ["11:00", "13:00"], ["13:00", "15:00"], ["15:00", "17:00"],
                                ["17:00", "19:00"], ["19:00", "21:00"]]},
    "prices": {"default": {"resident_weekday": 600, "resident_holiday": 800,
                           "non_resident_weekday": 1200, "non_resident_holiday": 1600}},
    "rules": {"max_days_ahead": 60, "min_notice_hours": 1, "max_slots_per_person_per_month": 8,
              "hold_minutes": 30},
    "cancellation": {"free_until_days_before": 3, "late_fee_percent": 50, "no_cancel_within_days": 1},
    "lottery": None,
}


def make_facility(dbs: Session, municipality: str = "ichinomiya", slug: str = "test-tennis",
                  units: tuple[str, ...] = ("court-a", "court-b"), **overrides) -> Facility:
    data = {**TENNIS, **overrides}
    config.check(data)
    city = dbs.scalar(select(Municipality).where(Municipality.slug == municipality))
    facility = Facility(municipality_id=city.id, slug=slug, **data)
    facility.units = [FacilityUnit(slug=u, name=f"{u.split('-')[-1].upper()}面",
                                   name_en=f"Court {u.split('-')[-1].upper()}", sort_order=i)
                      for i, u in enumerate(units)]
    dbs.add(facility)
    dbs.commit()
    return facility
