"""Fees in integer yen: the usage fee of slots and what cancelling costs.

Japanese facility fee tables (使用料) have four columns — 市内/市外 × 平日/土日祝 — and often a dearer evening
band, which :class:`FeeSchedule` expresses. Cancellation deadlines count calendar days in Tokyo
("利用日の7日前まで"), not 24-hour periods.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from portal.booking.domain.calendar import DayType, local_date, require_aware
from portal.booking.domain.slots import Slot


def _yen(value: int, name: str) -> int:
    # bool is an int subclass; a float price is a bug (yen have no fractions here).
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be integer yen, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value


@dataclass(frozen=True)
class PriceTable:
    resident_weekday: int
    resident_holiday: int
    non_resident_weekday: int
    non_resident_holiday: int

    def __post_init__(self) -> None:
        for name in ("resident_weekday", "resident_holiday", "non_resident_weekday", "non_resident_holiday"):
            _yen(getattr(self, name), name)

    def price(self, is_resident: bool, day_type: DayType) -> int:
        if is_resident:
            return self.resident_holiday if day_type is DayType.HOLIDAY else self.resident_weekday
        return self.non_resident_holiday if day_type is DayType.HOLIDAY else self.non_resident_weekday


@dataclass(frozen=True)
class FeeSchedule:
    """A default table plus tables for bands starting at given Tokyo times (e.g. 18:00 夜間料金)."""

    default: PriceTable
    by_start_time: Mapping[time, PriceTable] = field(default_factory=dict)

    def table_for(self, slot: Slot) -> PriceTable:
        return self.by_start_time.get(slot.local_starts_at.time(), self.default)


def slot_fee(prices: PriceTable | FeeSchedule, slot: Slot, is_resident: bool) -> int:
    if slot.is_closed:
        raise ValueError(f"slot {slot.key} is closed ({slot.closed_reason}) and cannot be priced")
    table = prices.table_for(slot) if isinstance(prices, FeeSchedule) else prices
    return table.price(is_resident, slot.day_type)


def booking_fee(prices: PriceTable | FeeSchedule, slots: Iterable[Slot], is_resident: bool) -> int:
    return sum(slot_fee(prices, slot, is_resident) for slot in slots)


@dataclass(frozen=True)
class CancellationPolicy:
    """Free while at least ``free_until_days_before`` Tokyo calendar days remain before the day of use; after
    that a late fee (a percentage of what was paid, or a fixed amount); no cancellation at all once fewer than
    ``no_cancel_within_days`` days remain (None: allowed until the slot starts).

    Example "7日前まで無料、以降50%、当日不可": ``CancellationPolicy(7, late_fee_percent=50, no_cancel_within_days=1)``.
    """

    free_until_days_before: int = 0
    late_fee_percent: int = 0
    late_fee_yen: int = 0
    no_cancel_within_days: int | None = None

    def __post_init__(self) -> None:
        if self.free_until_days_before < 0:
            raise ValueError("free_until_days_before must not be negative")
        if not 0 <= self.late_fee_percent <= 100:
            raise ValueError("late_fee_percent is 0–100")
        _yen(self.late_fee_yen, "late_fee_yen")
        if self.late_fee_percent and self.late_fee_yen:
            raise ValueError("choose a percentage or a fixed late fee, not both")
        if self.no_cancel_within_days is not None and self.no_cancel_within_days > self.free_until_days_before:
            # Otherwise there would be days on which a free cancellation is "not allowed": contradictory.
            raise ValueError("no_cancel_within_days must not exceed free_until_days_before")

    def late_fee(self, paid_fee: int) -> int:
        if self.late_fee_percent:
            return paid_fee * self.late_fee_percent // 100   # rounded down, in the resident's favour
        return min(self.late_fee_yen, paid_fee)             # never charge more than was paid


class CancellationTerms(NamedTuple):
    allowed: bool
    fee: int


def cancellation_terms(now: datetime, slot_start: datetime, policy: CancellationPolicy,
                       paid_fee: int = 0) -> CancellationTerms:
    """Whether a booking of the slot starting at ``slot_start`` may be cancelled ``now``, and at what fee.

    For a booking of several slots, ask per slot: each slot has its own day of use.
    """
    if require_aware(now) >= require_aware(slot_start):
        return CancellationTerms(False, 0)
    days_before = (local_date(slot_start) - local_date(now)).days
    if policy.no_cancel_within_days is not None and days_before < policy.no_cancel_within_days:
        return CancellationTerms(False, 0)
    if days_before >= policy.free_until_days_before:
        return CancellationTerms(True, 0)
    return CancellationTerms(True, policy.late_fee(_yen(paid_fee, "paid_fee")))


class CancellationDates(NamedTuple):
    """The Tokyo days on which a policy's terms change for one day of use, for telling residents in advance.

    ``free_until``: the last day on which cancelling is free (the day of use itself when free until the start);
    ``no_cancel_from``: the first day on which it is no longer possible (None: possible until the start).
    A late fee applies from the day after ``free_until`` until ``no_cancel_from`` (or the start), if the policy
    has one and that period is not empty.
    """

    free_until: date
    no_cancel_from: date | None

    @property
    def late_from(self) -> date:
        return self.free_until + timedelta(days=1)


def cancellation_dates(policy: CancellationPolicy, slot_start: datetime) -> CancellationDates:
    """The days :func:`cancellation_terms` changes its answer on, for the slot starting at ``slot_start``."""
    day = local_date(require_aware(slot_start))
    no_cancel = policy.no_cancel_within_days
    # cancellation_terms: free while days_before >= free_until_days_before; refused while days_before < no_cancel.
    return CancellationDates(free_until=day - timedelta(days=policy.free_until_days_before),
                             no_cancel_from=day - timedelta(days=no_cancel - 1) if no_cancel else None)


def has_late_fee(policy: CancellationPolicy) -> bool:
    return bool(policy.late_fee_percent or policy.late_fee_yen)
