"""Demo facilities: they load, loading twice adds nothing, and every one is a valid, bookable configuration."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time

from sqlalchemy import func, select

from portal.booking.demo import load_demo_facilities
from portal.booking.domain import config
from portal.booking.domain.calendar import TOKYO, DayType, add_months, days_in_month
from portal.booking.domain.pricing import slot_fee
from portal.booking.models import Facility, FacilityUnit
from portal.tenancy.models import Municipality


def next_month() -> tuple[date, date]:
    today = datetime.now(TOKYO).date()
    year, month = add_months(today.year, today.month, 1)
    return date(year, month, 1), date(year, month, days_in_month(year, month))


def facilities(db) -> dict[tuple[str, str], Facility]:
    rows = db.execute(select(Municipality.slug, Facility)
                      .join(Municipality, Municipality.id == Facility.municipality_id))
    return {(m, f.slug): f for m, f in rows}


def test_demo_facilities_load_once(db):
    assert load_demo_facilities(db) == 5
    db.commit()
    assert sorted(facilities(db)) == [
        ("anjo", "shimin-kaikan"), ("anjo", "sogo-undokoen-tennis"),
        ("ichinomiya", "chuo-kominkan"), ("ichinomiya", "shimin-tennis"), ("ichinomiya", "sogo-taiikukan"),
    ]
    units = db.scalar(select(func.count()).select_from(FacilityUnit))
    assert load_demo_facilities(db) == 0
    db.commit()
    assert db.scalar(select(func.count()).select_from(Facility)) == 5
    assert db.scalar(select(func.count()).select_from(FacilityUnit)) == units == 4 + 2 + 3 + 4 + 2


def test_every_demo_facility_is_valid_and_has_slots_next_month(db):
    load_demo_facilities(db)
    db.commit()
    first, last = next_month()
    for key, facility in facilities(db).items():
        config.check({"opening_hours": facility.opening_hours, "slot_pattern": facility.slot_pattern,
                      "prices": facility.prices, "rules": facility.rules, "cancellation": facility.cancellation,
                      "lottery": facility.lottery})
        assert facility.booking_procedure == "facility-booking" and facility.published
        assert facility.name_kana and facility.name_en and facility.accessibility and facility.phone
        assert facility.latitude and facility.longitude and facility.address.startswith("愛知県")
        slots = config.slots_of(facility, first, last)
        open_slots = [s for s in slots if not s.is_closed]
        assert open_slots, key
        assert {s.unit_id for s in open_slots} == {u.slug for u in facility.units}, key
        prices = config.fee_schedule(facility.prices)
        assert all(slot_fee(prices, s, True) > 0 for s in open_slots), key


def test_the_demo_configurations_say_what_they_should(db):
    load_demo_facilities(db)
    db.commit()
    by_key = facilities(db)
    first, last = next_month()

    tennis = by_key[("ichinomiya", "shimin-tennis")]
    assert [u.name for u in tennis.units] == ["A面", "B面", "C面", "D面"]
    tennis_slots = config.slots_of(tennis, first, last)
    assert sorted({s.local_starts_at.time() for s in tennis_slots}) == [time(h) for h in range(9, 21, 2)]
    weekday = next(s for s in tennis_slots if s.day_type is DayType.WEEKDAY)
    prices = config.fee_schedule(tennis.prices)
    assert (slot_fee(prices, weekday, True), slot_fee(prices, weekday, False)) == (600, 1200)
    lottery = config.lottery_config(tennis.lottery)
    assert {lottery.scope.covers(s) for s in tennis_slots if s.day_type is DayType.HOLIDAY} == {True}
    assert not lottery.scope.covers(weekday)
    assert config.booking_rules(tennis.rules).resident_only is False

    gym = by_key[("ichinomiya", "sogo-taiikukan")]
    assert [u.name for u in gym.units] == ["アリーナ北半面", "アリーナ南半面"]
    gym_slots = config.slots_of(gym, first, last)
    closed_days = Counter(s.local_date.weekday() for s in gym_slots if s.closed_reason == "休館日")
    # Mondays, except a 祝日 Monday, which moves the closed day to the next ordinary weekday
    assert closed_days.most_common(1)[0][0] == 0
    evening = next(s for s in gym_slots if s.local_starts_at.time() == time(18) and s.day_type is DayType.WEEKDAY
                   and not s.is_closed)
    morning = next(s for s in gym_slots if s.local_starts_at.time() == time(9) and s.day_type is DayType.WEEKDAY
                   and not s.is_closed)
    gym_prices = config.fee_schedule(gym.prices)
    assert slot_fee(gym_prices, evening, True) > slot_fee(gym_prices, morning, True)

    rooms = by_key[("ichinomiya", "chuo-kominkan")]
    assert [u.name for u in rooms.units] == ["第1会議室", "第2会議室", "和室"]
    room_slots = [s for s in config.slots_of(rooms, first, last) if s.unit_id == "room-1"
                  and s.day_type is DayType.WEEKDAY and not s.is_closed]
    assert sorted({s.local_starts_at.time() for s in room_slots}) == [time(h) for h in range(9, 21)]
    assert rooms.lottery is None and config.booking_rules(rooms.rules).group_required is False

    anjo_tennis = by_key[("anjo", "sogo-undokoen-tennis")]
    assert [u.slug for u in anjo_tennis.units] == ["court-a", "court-b", "court-c", "court-d"]
    assert anjo_tennis.lottery["scope"] == {"day_types": ["holiday"]}
    hall = by_key[("anjo", "shimin-kaikan")]
    hall_rules = config.booking_rules(hall.rules)
    assert (hall_rules.resident_only, hall_rules.group_required) == (True, False)
    assert [u.name for u in hall.units] == ["大ホール", "小ホール"]
