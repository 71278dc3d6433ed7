"""Who may apply, from birth dates at the event date: 65歳以上 for the applicant, 小学生 for each child answered.

Ages follow Japanese law (年齢計算ニ関スル法律): a person becomes a year older as the day before their birthday
ends, which is the birthday itself for every date but school years — a child born on 1 April starts school with
the children born in the year before, and a person born on 29 February is a year older from 1 March in common
years. A missing birth date refuses (the page asks for it) rather than lets anyone through.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

APPLICANT = "applicant"


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def school_grade_on(born: date, on: date) -> int:
    """1–6 elementary (小1–小6), 7–9 junior high (中1–中3); 0 and below before school starts."""
    # 学校教育法 17条: school starts with the first school year (from 1 April) after the day on which the child
    # turned 6, and they turn 6 as the day before the 6th birthday ends — so births up to 1 April start at 6.
    first_year = born.year + 6 if (born.month, born.day) <= (4, 1) else born.year + 7
    school_year = on.year if on.month >= 4 else on.year - 1
    return school_year - first_year + 1


@dataclass(frozen=True)
class AgeRule:
    """Each ``subject`` (``applicant`` from the card, or a form field answered with birth dates) has an age
    between ``minimum`` and ``maximum`` (inclusive) on the event date."""

    minimum: int | None = None
    maximum: int | None = None
    subject: str = APPLICANT

    def __post_init__(self):
        _check_bounds(self.minimum, self.maximum)

    def value(self, born: date, on: date) -> int:
        return age_on(born, on)


@dataclass(frozen=True)
class GradeRule:
    """Each ``subject`` is in a school grade from ``first`` to ``last`` (1 = 小1, 7 = 中1) on the event date."""

    first: int | None = None
    last: int | None = None
    subject: str = APPLICANT

    def __post_init__(self):
        _check_bounds(self.first, self.last)

    @property
    def minimum(self) -> int | None:
        return self.first

    @property
    def maximum(self) -> int | None:
        return self.last

    def value(self, born: date, on: date) -> int:
        return school_grade_on(born, on)


def _check_bounds(low: int | None, high: int | None) -> None:
    if low is None and high is None:
        raise ValueError("a rule needs a lower or an upper bound")
    if low is not None and high is not None and low > high:
        raise ValueError("the lower bound is above the upper bound")


@dataclass(frozen=True)
class Refusal:
    """Why someone may not apply: the rule, whom it concerns, and the age or grade found (None: no birth date)."""

    rule: AgeRule | GradeRule
    subject: str
    value: int | None


def refusals(rules: Iterable[AgeRule | GradeRule], *, on: date,
             birthdates: Mapping[str, Sequence[date | None]]) -> list[Refusal]:
    """Every rule broken, one refusal per person who breaks it (empty: eligible)."""
    found = []
    for rule in rules:
        dates = birthdates.get(rule.subject) or [None]
        for born in dates:
            if born is None:
                found.append(Refusal(rule, rule.subject, None))
                continue
            value = rule.value(born, on)
            too_low = rule.minimum is not None and value < rule.minimum
            too_high = rule.maximum is not None and value > rule.maximum
            if too_low or too_high:
                found.append(Refusal(rule, rule.subject, value))
    return found
