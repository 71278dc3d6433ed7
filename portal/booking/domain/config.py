"""A facility's stored JSON configuration ↔ the pure domain objects (which validate it).

Shapes (times are "HH:MM" in Tokyo; weekdays 0 = Monday … 6 = Sunday; money integer yen)::

    opening_hours = {"weekly": {"1": ["09:00", "21:00"], …}, "holiday": ["09:00", "17:00"] | null,
                     "holiday_moves_closed_day": true}
    slot_pattern  = {"ranges": [["09:00", "12:00"], …], "by_weekday": {"5": [[…]]}, "holiday": [[…]] | null}
                  | {"step_minutes": 60}
    prices        = {"default": {"resident_weekday": 1000, "resident_holiday": 1200,
                                 "non_resident_weekday": 2000, "non_resident_holiday": 2400},
                     "by_start_time": {"18:00": {…}}}
    rules         = BookingRules fields (max_days_ahead, min_notice_hours, max_slots_per_person_per_month, …)
    cancellation  = CancellationPolicy fields
    lottery       = {"schedule": {"applications_open": [months_before, day, "HH:MM", end_of_day], …},
                     "scope": {"months": [..] | null, "day_types": ["holiday"] | null, "start_times": [..] | null},
                     "policy": LotteryPolicy fields} | null
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import date, time
from functools import lru_cache

from portal.booking.domain.calendar import DayType
from portal.booking.domain.lottery import LotteryPolicy, LotterySchedule, LotteryScope, Moment
from portal.booking.domain.pricing import CancellationPolicy, FeeSchedule, PriceTable
from portal.booking.domain.rules import BookingRules
from portal.booking.domain.slots import Closure, OpeningHours, Slot, SlotPattern, generate_slots, year_end_closures


class ConfigError(ValueError):
    """The stored configuration does not describe a valid facility; the message names the part."""


def _hm(value: time) -> str:
    return value.strftime("%H:%M")


# --- reading ---------------------------------------------------------------------------------------------

def opening_hours(data: dict) -> OpeningHours:
    try:
        return OpeningHours(weekly={int(d): tuple(r) for d, r in data.get("weekly", {}).items()},
                            holiday=tuple(data["holiday"]) if data.get("holiday") else None,
                            holiday_moves_closed_day=bool(data.get("holiday_moves_closed_day")))
    except (TypeError, ValueError, KeyError) as exc:
        raise ConfigError(f"opening_hours: {exc}") from exc


def slot_pattern(data: dict) -> SlotPattern:
    try:
        if data.get("step_minutes"):
            return SlotPattern.hourly(int(data["step_minutes"]))
        return SlotPattern.fixed(*data.get("ranges", []),
                                 by_weekday={int(d): r for d, r in (data.get("by_weekday") or {}).items()},
                                 holiday=data.get("holiday"))
    except (TypeError, ValueError, KeyError) as exc:
        raise ConfigError(f"slot_pattern: {exc}") from exc


def _price_table(data: dict) -> PriceTable:
    return PriceTable(**{f.name: data[f.name] for f in fields(PriceTable)})


def fee_schedule(data: dict) -> FeeSchedule:
    try:
        return FeeSchedule(_price_table(data["default"]),
                           {time.fromisoformat(t): _price_table(p)
                            for t, p in (data.get("by_start_time") or {}).items()})
    except (TypeError, ValueError, KeyError) as exc:
        raise ConfigError(f"prices: {exc}") from exc


def booking_rules(data: dict) -> BookingRules:
    try:
        return BookingRules(**data)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"rules: {exc}") from exc


def cancellation_policy(data: dict | None) -> CancellationPolicy:
    try:
        return CancellationPolicy(**(data or {}))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"cancellation: {exc}") from exc


def _moment(value) -> Moment:
    months_before, day, *rest = value
    at = time.fromisoformat(rest[0]) if rest and rest[0] else time(0, 0)
    return Moment(int(months_before), int(day), at, bool(rest[1]) if len(rest) > 1 else False)


@dataclass(frozen=True)
class LotteryConfig:
    schedule: LotterySchedule
    scope: LotteryScope
    policy: LotteryPolicy


def lottery_config(data: dict | None) -> LotteryConfig | None:
    if not data:
        return None
    try:
        schedule = LotterySchedule(**{name: _moment(v) for name, v in (data.get("schedule") or {}).items()})
        scope_data = data.get("scope") or {}
        scope = LotteryScope(
            months=frozenset(scope_data["months"]) if scope_data.get("months") else None,
            day_types=frozenset(DayType(d) for d in scope_data["day_types"]) if scope_data.get("day_types") else None,
            start_times=(frozenset(time.fromisoformat(t) for t in scope_data["start_times"])
                         if scope_data.get("start_times") else None))
        return LotteryConfig(schedule, scope, LotteryPolicy(**(data.get("policy") or {})))
    except (TypeError, ValueError, KeyError) as exc:
        raise ConfigError(f"lottery: {exc}") from exc


def check(facility_data: dict) -> None:
    """Raise ConfigError for the first invalid part of a facility's configuration (admin form, demo data)."""
    opening_hours(facility_data["opening_hours"]).envelope  # noqa: B018  (raises without any hours)
    slot_pattern(facility_data["slot_pattern"])
    fee_schedule(facility_data["prices"])
    booking_rules(facility_data["rules"])
    cancellation_policy(facility_data.get("cancellation"))
    lottery_config(facility_data.get("lottery"))


# --- writing (admin forms build these) -------------------------------------------------------------------

def dump_lottery_schedule(schedule: LotterySchedule) -> dict:
    return {f.name: [m.months_before, m.day, _hm(m.at), m.end_of_day]
            for f in fields(LotterySchedule) for m in [getattr(schedule, f.name)]}


def dump_rules(rules: BookingRules) -> dict:
    return asdict(rules)


def _dump_ranges(ranges) -> list:
    return [[_hm(start), _hm(end)] for start, end in ranges]


def dump_opening_hours(hours: OpeningHours) -> dict:
    return {"weekly": {str(d): [_hm(r[0]), _hm(r[1])] for d, r in sorted(hours.weekly.items())},
            "holiday": [_hm(hours.holiday[0]), _hm(hours.holiday[1])] if hours.holiday else None,
            "holiday_moves_closed_day": hours.holiday_moves_closed_day}


def dump_slot_pattern(pattern: SlotPattern) -> dict:
    if pattern.step_minutes is not None:
        return {"step_minutes": pattern.step_minutes}
    data: dict = {"ranges": _dump_ranges(pattern.ranges)}
    if pattern.by_weekday:
        data["by_weekday"] = {str(d): _dump_ranges(r) for d, r in sorted(pattern.by_weekday.items())}
    if pattern.holiday_ranges is not None:
        data["holiday"] = _dump_ranges(pattern.holiday_ranges)
    return data


def dump_prices(schedule: FeeSchedule) -> dict:
    data: dict = {"default": asdict(schedule.default)}
    if schedule.by_start_time:
        data["by_start_time"] = {_hm(t): asdict(table) for t, table in sorted(schedule.by_start_time.items())}
    return data


def dump_cancellation(policy: CancellationPolicy) -> dict:
    return asdict(policy)


def dump_lottery(lottery: LotteryConfig | None) -> dict | None:
    if lottery is None:
        return None
    scope = lottery.scope
    return {"schedule": dump_lottery_schedule(lottery.schedule),
            "scope": {"months": sorted(scope.months) if scope.months else None,
                      "day_types": sorted(str(d) for d in scope.day_types) if scope.day_types else None,
                      "start_times": sorted(_hm(t) for t in scope.start_times) if scope.start_times else None},
            "policy": asdict(lottery.policy)}


# --- the facility's slots ----------------------------------------------------------------------------------

def closures_of(facility) -> list[Closure]:
    return [Closure(c.first_day, c.last_day, c.reason) for c in facility.closures]


def bands_of(facility, start_date: date, end_date: date) -> tuple[Slot, ...]:
    """The facility's time bands, closures and 年末年始 applied, as slots of no unit (``unit_id`` ""): hours,
    pattern and closures are the facility's, so every unit has the same bands."""
    return _bands(json.dumps(facility.opening_hours, sort_keys=True), json.dumps(facility.slot_pattern, sort_keys=True),
                  tuple(closures_of(facility)), start_date, end_date)


@lru_cache(maxsize=512)
def _bands(hours: str, pattern: str, closures: tuple[Closure, ...], start_date: date,
           end_date: date) -> tuple[Slot, ...]:
    """Bands are a pure function of the facility's settings and the dates, and slots are immutable: each
    month a facility shows is worked out once per process, until its settings or closures change."""
    closures += tuple(year_end_closures(start_date, end_date))
    return tuple(generate_slots("", slot_pattern(json.loads(pattern)), opening_hours(json.loads(hours)), closures,
                                start_date, end_date))


def slots_of(facility, start_date: date, end_date: date, units=None) -> list[Slot]:
    """Every slot of the facility's active units (``Slot.unit_id`` is the unit's slug), closures and
    年末年始 applied, in (start, unit order)."""
    chosen = units if units is not None else [u for u in facility.units if u.active]
    if not chosen:
        return []
    bands = bands_of(facility, start_date, end_date)
    order = {u.slug: i for i, u in enumerate(facility.units)}
    chosen = sorted(chosen, key=lambda u: order.get(u.slug, 0))
    return [Slot(unit.slug, band.starts_at, band.ends_at, band.local_date, band.day_type, band.closed_reason)
            for band in bands for unit in chosen]


# --- parsed once ---------------------------------------------------------------------------------------------------

class Settings:
    """A facility's configuration as the domain objects, each part parsed when first read and kept in ``parsed``
    — a dict its callers share for as long as they like (a request: ``services.settings``) — until the facility's
    stored value is replaced (a saved form, a reloaded row), which is then parsed anew."""

    def __init__(self, facility, parsed: dict | None = None):
        self._facility = facility
        self._parsed = {} if parsed is None else parsed

    def _part(self, column: str, parse):
        stored = getattr(self._facility, column)
        kept = self._parsed.get(column)
        if kept is None or kept[0] is not stored:
            kept = self._parsed[column] = (stored, parse(stored))
        return kept[1]

    @property
    def rules(self) -> BookingRules:
        return self._part("rules", booking_rules)

    @property
    def prices(self) -> FeeSchedule:
        return self._part("prices", fee_schedule)

    @property
    def cancellation(self) -> CancellationPolicy:
        return self._part("cancellation", cancellation_policy)

    @property
    def lottery(self) -> LotteryConfig | None:
        return self._part("lottery", lottery_config)
