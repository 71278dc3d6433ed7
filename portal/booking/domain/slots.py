"""From a facility's opening hours, slot pattern and closures to the concrete slots of a date range.

Closed days still produce their slots, marked with a ``closed_reason``: the citizen-facing grid shows the
same time bands every day, with 休館 where the facility is shut.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from portal.booking.domain.calendar import (
    SUNDAY,
    TOKYO,
    YEAR_END_DAYS,
    DayType,
    day_type,
    is_national_holiday,
    is_year_end,
    jst,
)

TimeRange = tuple[time, time]
REGULAR_CLOSED_REASON = "休館日"
YEAR_END_REASON = "年末年始"
# A shifted closed day can only follow a run of holidays and closed weekdays; Golden Week is the longest.
_MAX_HOLIDAY_RUN = 14


def parse_time(value: time | str) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


def time_range(start: time | str, end: time | str) -> TimeRange:
    start, end = parse_time(start), parse_time(end)
    if start >= end:
        raise ValueError(f"time range {start}–{end} must end after it starts (same day)")
    return start, end


def _ranges(ranges: Iterable[Sequence[time | str]]) -> tuple[TimeRange, ...]:
    result = tuple(sorted(time_range(*r) for r in ranges))
    for (_, previous_end), (start, _) in zip(result, result[1:]):
        if start < previous_end:
            raise ValueError(f"slot bands overlap at {start}")
    return result


@dataclass(frozen=True)
class OpeningHours:
    """Hours per weekday (0 = Monday); a weekday missing from ``weekly`` is the regular closed day (定休日).

    ``holiday``: hours on 祝日 when they differ from that weekday's hours.
    ``holiday_moves_closed_day``: the common 公共施設 rule "月曜休館（祝日の場合は開館し、翌平日休館）" —
    a regular closed day that is a 祝日 opens (on ``holiday`` hours, else Sunday's), and the next day that is
    neither a 祝日 nor a regular closed day closes instead.
    """

    weekly: Mapping[int, TimeRange]
    holiday: TimeRange | None = None
    holiday_moves_closed_day: bool = False

    def __post_init__(self) -> None:
        if any(weekday not in range(7) for weekday in self.weekly):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        object.__setattr__(self, "weekly", {d: time_range(*r) for d, r in sorted(self.weekly.items())})
        if self.holiday is not None:
            object.__setattr__(self, "holiday", time_range(*self.holiday))
        if self.holiday_moves_closed_day and self._reopened_hours() is None:
            raise ValueError("holiday_moves_closed_day needs holiday hours (or Sunday hours) to open on")

    def is_regular_closed_day(self, day: date) -> bool:
        return day.weekday() not in self.weekly

    @property
    def envelope(self) -> TimeRange:
        """Earliest opening to latest closing: the bands shown (as closed) on a closed weekday."""
        ranges = list(self.weekly.values()) + ([self.holiday] if self.holiday else [])
        if not ranges:
            raise ValueError("the facility has no opening hours at all")
        return min(r[0] for r in ranges), max(r[1] for r in ranges)

    def hours_on(self, day: date) -> TimeRange | None:
        """Opening hours of ``day``, or None when it is a closed day (closures are handled separately)."""
        holiday = is_national_holiday(day)
        if self.holiday_moves_closed_day:
            if holiday and self.is_regular_closed_day(day):
                return self._reopened_hours()
            if self._is_moved_closed_day(day):
                return None
        if self.is_regular_closed_day(day):
            return None
        if holiday and self.holiday is not None:
            return self.holiday
        return self.weekly[day.weekday()]

    def _reopened_hours(self) -> TimeRange | None:
        return self.holiday or self.weekly.get(SUNDAY)

    def _is_moved_closed_day(self, day: date) -> bool:
        if is_national_holiday(day) or self.is_regular_closed_day(day):
            return False
        # Walk back over the run of holidays / closed days just before ``day``; a closed day that fell on a
        # 祝日 in that run moved its closure to ``day``, the first ordinary day after it.
        previous = day - timedelta(days=1)
        for _ in range(_MAX_HOLIDAY_RUN):
            holiday, closed = is_national_holiday(previous), self.is_regular_closed_day(previous)
            if holiday and closed:
                return True
            if not (holiday or closed):
                return False
            previous -= timedelta(days=1)
        return False


@dataclass(frozen=True)
class SlotPattern:
    """How an open day is cut into bookable slots.

    Either fixed bands (``ranges``, optionally different per weekday or on 祝日), e.g. 9–12, 13–17, 18–21;
    or ``step_minutes`` blocks cut from that day's opening hours (1-hour slots). Bands outside the day's
    opening hours are dropped, so a Saturday closing at 17:00 simply has no evening band.
    """

    ranges: tuple[TimeRange, ...] = ()
    by_weekday: Mapping[int, tuple[TimeRange, ...]] = field(default_factory=dict)
    holiday_ranges: tuple[TimeRange, ...] | None = None
    step_minutes: int | None = None

    @classmethod
    def fixed(cls, *ranges: Sequence[time | str], by_weekday: Mapping[int, Iterable] | None = None,
              holiday: Iterable[Sequence[time | str]] | None = None) -> SlotPattern:
        return cls(ranges=_ranges(ranges),
                   by_weekday={d: _ranges(r) for d, r in (by_weekday or {}).items()},
                   holiday_ranges=None if holiday is None else _ranges(holiday))

    @classmethod
    def hourly(cls, minutes: int = 60) -> SlotPattern:
        return cls(step_minutes=minutes)

    def __post_init__(self) -> None:
        if self.step_minutes is not None:
            if self.step_minutes <= 0:
                raise ValueError("step_minutes must be positive")
            if self.ranges or self.by_weekday or self.holiday_ranges:
                raise ValueError("a pattern is either fixed bands or step_minutes, not both")
        elif not (self.ranges or self.by_weekday or self.holiday_ranges):
            raise ValueError("a slot pattern needs bands or step_minutes")

    def ranges_on(self, day: date, hours: TimeRange) -> list[TimeRange]:
        opens, closes = hours
        if self.step_minutes is not None:
            return _cut(opens, closes, self.step_minutes)
        if self.holiday_ranges is not None and is_national_holiday(day):
            bands = self.holiday_ranges
        else:
            bands = self.by_weekday.get(day.weekday(), self.ranges)
        return [(start, end) for start, end in bands if opens <= start and end <= closes]


def _cut(opens: time, closes: time, minutes: int) -> list[TimeRange]:
    anchor = date(2000, 1, 1)   # any date: only wall-clock arithmetic within one day
    start, close = datetime.combine(anchor, opens), datetime.combine(anchor, closes)
    step = timedelta(minutes=minutes)
    result = []
    while start + step <= close:
        result.append((start.time(), (start + step).time()))
        start += step
    return result


@dataclass(frozen=True)
class Closure:
    """Days the facility is shut (maintenance, 年末年始, an election count…); ``last_day`` inclusive."""

    first_day: date
    last_day: date
    reason: str

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValueError("a closure must not end before it starts")

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


def year_end_closures(start_date: date, end_date: date, reason: str = YEAR_END_REASON,
                      year_end_days: frozenset[tuple[int, int]] = YEAR_END_DAYS) -> list[Closure]:
    """The 年末年始 closures between two dates, one Closure per run of consecutive days."""
    closures: list[Closure] = []
    for day in _days(start_date, end_date):
        if not is_year_end(day, year_end_days):
            continue
        if closures and closures[-1].last_day == day - timedelta(days=1):
            closures[-1] = Closure(closures[-1].first_day, day, reason)
        else:
            closures.append(Closure(day, day, reason))
    return closures


@dataclass(frozen=True, slots=True)
class Slot:
    unit_id: str
    starts_at: datetime   # aware, UTC
    ends_at: datetime     # aware, UTC
    local_date: date      # the Tokyo date the slot belongs to
    day_type: DayType
    closed_reason: str | None = None

    @classmethod
    def from_local(cls, unit_id: str, day: date, start: time, end: time,
                   closed_reason: str | None = None) -> Slot:
        """Rebuild a slot from its Tokyo date and band (e.g. from a stored row)."""
        return cls(unit_id, jst(day, start), jst(day, end), day, day_type(day), closed_reason)

    @property
    def is_closed(self) -> bool:
        return self.closed_reason is not None

    @property
    def local_starts_at(self) -> datetime:
        return self.starts_at.astimezone(TOKYO)

    @property
    def local_ends_at(self) -> datetime:
        return self.ends_at.astimezone(TOKYO)

    @property
    def key(self) -> str:
        """Stable, human-readable identity ("gym-a/2026-11-07 18:00"), used in lottery preferences and the
        published draw audit, where Tokyo time is what citizens recognise."""
        return f"{self.unit_id}/{self.local_starts_at:%Y-%m-%d %H:%M}"

    def keys_on(self, unit_ids: Iterable[str]) -> list[str]:
        """The ``key`` of this band's slot on each unit, the time formatted once."""
        stamp = f"{self.local_starts_at:%Y-%m-%d %H:%M}"
        return [f"{unit_id}/{stamp}" for unit_id in unit_ids]


def generate_slots(unit_id: str, pattern: SlotPattern, opening_hours: OpeningHours, closures: Iterable[Closure],
                   start_date: date, end_date: date) -> list[Slot]:
    """Every slot of ``unit_id`` from ``start_date`` to ``end_date`` (inclusive, Tokyo dates), in time order.

    A closure's reason wins over the regular closed day's, so 年末年始 reads 年末年始 even on a Monday.
    """
    if end_date < start_date:
        raise ValueError("end_date is before start_date")
    closures = list(closures)
    slots: list[Slot] = []
    for day in _days(start_date, end_date):
        hours = opening_hours.hours_on(day)
        closure = next((c for c in closures if c.covers(day)), None)
        if closure is not None:
            reason: str | None = closure.reason
        else:
            reason = REGULAR_CLOSED_REASON if hours is None else None
        bands = pattern.ranges_on(day, hours or opening_hours.envelope)
        kind = day_type(day)
        slots.extend(Slot(unit_id, jst(day, start), jst(day, end), day, kind, reason) for start, end in bands)
    return slots


def _days(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)
