"""The lottery (抽選) around the draw: which slots go to lottery, its calendar, and application checks.

A facility's :class:`LotterySchedule` is written relative to the target month ("apply 1st–10th two months
before"); :meth:`LotterySchedule.calendar_for` turns it into the concrete UTC moments of one month's lottery.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from portal.booking.domain.calendar import DayType, add_months, days_in_month, jst, require_aware
from portal.booking.domain.draw import Application
from portal.booking.domain.rules import BookingRules, Violation, eligibility_violations
from portal.booking.domain.slots import Slot


class Phase(StrEnum):
    BEFORE = "before"                            # applications not open yet
    APPLICATIONS = "applications"                # 抽選受付中
    AWAITING_DRAW = "awaiting_draw"              # closed, draw not yet due
    CONFIRMING = "confirming"                    # drawn; winners confirm and pay
    # Between the confirmation deadline and the first-come opening, unclaimed slots are neither in the
    # lottery nor bookable; this phase is empty when the two moments coincide.
    AWAITING_FIRST_COME = "awaiting_first_come"
    FIRST_COME = "first_come"                    # leftovers bookable first-come


@dataclass(frozen=True)
class Moment:
    """A Tokyo wall-clock moment relative to the target month: ``day`` of the month ``months_before`` it.

    ``end_of_day=True`` means "until the end of that day" (the exclusive instant: next day 00:00), which is how
    "10日 23:59まで" is meant. A ``day`` past the month's end means its last day (31 → 30 September).
    """

    months_before: int
    day: int
    at: time = time(0, 0)
    end_of_day: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.day <= 31:
            raise ValueError("day is 1–31")
        if self.months_before < 0:
            raise ValueError("months_before must not be negative")

    def resolve(self, year: int, month: int) -> datetime:
        y, m = add_months(year, month, -self.months_before)
        day = date(y, m, min(self.day, days_in_month(y, m)))
        if self.end_of_day:
            return jst(day + timedelta(days=1), time(0, 0))
        return jst(day, self.at)


@dataclass(frozen=True)
class LotteryCalendar:
    """One target month's lottery; every moment aware UTC; each phase starts at its moment (inclusive)."""

    year: int
    month: int
    applications_open_at: datetime
    applications_close_at: datetime   # exclusive
    draw_at: datetime
    confirm_until: datetime           # exclusive
    first_come_opens_at: datetime

    def __post_init__(self) -> None:
        moments = [self.applications_open_at, self.applications_close_at, self.draw_at, self.confirm_until,
                   self.first_come_opens_at]
        for moment in moments:
            require_aware(moment)
        if moments[0] >= moments[1] or any(a > b for a, b in zip(moments, moments[1:])):
            raise ValueError("lottery moments must be in order: open < close ≤ draw ≤ confirm ≤ first-come")

    def phase(self, now: datetime) -> Phase:
        require_aware(now)
        if now < self.applications_open_at:
            return Phase.BEFORE
        if now < self.applications_close_at:
            return Phase.APPLICATIONS
        if now < self.draw_at:
            return Phase.AWAITING_DRAW
        if now < self.confirm_until:
            return Phase.CONFIRMING
        if now < self.first_come_opens_at:
            return Phase.AWAITING_FIRST_COME
        return Phase.FIRST_COME


@dataclass(frozen=True)
class LotterySchedule:
    """Default: apply from the 1st to the 10th two months before, draw on the 12th at 10:00, winners confirm
    and pay until the 20th, leftovers open first-come on the 1st of the month before at 9:00."""

    applications_open: Moment = Moment(2, 1)
    applications_close: Moment = Moment(2, 10, end_of_day=True)
    draw: Moment = Moment(2, 12, time(10, 0))
    confirm_until: Moment = Moment(2, 20, end_of_day=True)
    first_come_opens: Moment = Moment(1, 1, time(9, 0))

    def calendar_for(self, year: int, month: int) -> LotteryCalendar:
        return LotteryCalendar(year, month, self.applications_open.resolve(year, month),
                               self.applications_close.resolve(year, month), self.draw.resolve(year, month),
                               self.confirm_until.resolve(year, month), self.first_come_opens.resolve(year, month))


@dataclass(frozen=True)
class LotteryScope:
    """Which slots go to lottery; None in a field means "no restriction" (e.g. only 土日祝 evenings)."""

    months: frozenset[int] | None = None
    day_types: frozenset[DayType] | None = None
    start_times: frozenset[time] | None = None   # Tokyo start time of the band

    def covers(self, slot: Slot) -> bool:
        return ((self.months is None or slot.local_date.month in self.months)
                and (self.day_types is None or slot.day_type in self.day_types)
                and (self.start_times is None or slot.local_starts_at.time() in self.start_times))


@dataclass(frozen=True)
class LotteryPolicy:
    """Caps count per verified person (identity sub), not per account, and per registered group."""

    max_preferences: int = 3                        # N ranked slots per application
    max_applications_per_person: int = 2
    max_applications_per_group: int | None = None
    win_cap_per_person: int = 1
    win_cap_per_group: int | None = None

    def __post_init__(self) -> None:
        for name in ("max_preferences", "max_applications_per_person", "max_applications_per_group",
                     "win_cap_per_person", "win_cap_per_group"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1")


def validate_application(application: Application, policy: LotteryPolicy, calendar: LotteryCalendar,
                         now: datetime, eligible_slot_keys: Collection[str], existing: Iterable[Application],
                         rules: BookingRules | None = None, is_resident: bool = True) -> list[Violation]:
    """Problems with accepting (or updating) ``application`` in this month's lottery.

    ``existing``: applications already accepted for the same lottery (an earlier version of this same
    application id is ignored, so editing does not count twice). ``eligible_slot_keys``: the slots in scope.
    """
    found: list[Violation] = []
    if calendar.phase(now) is not Phase.APPLICATIONS:
        found.append(Violation("window_closed", "現在は抽選の申込期間外です。",
                               "Lottery applications are not being accepted now."))
    if rules is not None:
        found.extend(eligibility_violations(rules, is_resident, application.group_key is not None))
    found.extend(_preference_violations(application.preferences, policy, eligible_slot_keys))
    others = [a for a in existing if a.application_id != application.application_id]
    mine = sum(a.person_key == application.person_key for a in others)
    if mine >= policy.max_applications_per_person:
        cap = policy.max_applications_per_person
        found.append(Violation("person_application_cap", f"抽選の申込は1人{cap}件までです。",
                               f"At most {cap} lottery applications per person."))
    group = application.group_key
    if group is not None and policy.max_applications_per_group is not None:
        if sum(a.group_key == group for a in others) >= policy.max_applications_per_group:
            cap = policy.max_applications_per_group
            found.append(Violation("group_application_cap", f"抽選の申込は1団体{cap}件までです。",
                                   f"At most {cap} lottery applications per group."))
    return found


def _preference_violations(preferences: tuple[str, ...], policy: LotteryPolicy,
                           eligible: Collection[str]) -> list[Violation]:
    if not preferences:
        return [Violation("no_preferences", "希望する枠を1つ以上選んでください。", "Choose at least one slot.")]
    found = []
    if len(preferences) > policy.max_preferences:
        found.append(Violation("too_many_preferences", f"希望は第{policy.max_preferences}希望までです。",
                               f"At most {policy.max_preferences} ranked preferences."))
    if len(set(preferences)) != len(preferences):
        found.append(Violation("duplicate_preference", "同じ枠が複数の希望順位に入っています。",
                               "The same slot appears at more than one rank."))
    if any(key not in eligible for key in preferences):
        found.append(Violation("not_in_lottery", "抽選の対象ではない枠が含まれています。",
                               "A chosen slot is not part of this lottery."))
    return found
