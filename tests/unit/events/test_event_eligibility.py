from __future__ import annotations

from datetime import date

import pytest

from portal.events.domain.eligibility import AgeRule, GradeRule, Refusal, age_on, refusals, school_grade_on


@pytest.mark.parametrize(("born", "on", "age"), [
    (date(1960, 12, 8), date(2026, 12, 7), 65),
    (date(1960, 12, 8), date(2026, 12, 8), 66),     # older on the birthday itself
    (date(2000, 2, 29), date(2026, 2, 28), 25),     # born on 29 February: older from 1 March in common years
    (date(2000, 2, 29), date(2026, 3, 1), 26),
    (date(2000, 2, 29), date(2028, 2, 29), 28),
])
def test_age_in_completed_years_on_the_event_date(born, on, age):
    assert age_on(born, on) == age


@pytest.mark.parametrize(("born", "on", "grade"), [
    (date(2019, 4, 2), date(2026, 3, 31), 0),    # starts school in April 2026
    (date(2019, 4, 2), date(2026, 4, 1), 1),     # 小1 from the first day of the 2026 school year
    (date(2019, 4, 1), date(2026, 4, 6), 2),     # born 1 April: the older cohort (年齢計算ニ関スル法律)
    (date(2020, 3, 31), date(2027, 3, 31), 1),   # still 小1 on the last day of the school year
    (date(2014, 6, 1), date(2026, 12, 1), 6),    # 小6
    (date(2013, 6, 1), date(2026, 12, 1), 7),    # 中1
    (date(2024, 6, 1), date(2026, 12, 1), -4),   # a toddler: years before school
])
def test_school_grade_counts_from_the_april_after_the_sixth_birthday(born, on, grade):
    assert school_grade_on(born, on) == grade


def test_an_age_rule_on_the_applicant_refuses_with_the_age_and_the_limits():
    rule = AgeRule(minimum=65)
    assert refusals([rule], on=date(2026, 12, 8), birthdates={"applicant": [date(1961, 12, 9)]}) == [
        Refusal(rule=rule, subject="applicant", value=64)]
    assert refusals([rule], on=date(2026, 12, 8), birthdates={"applicant": [date(1961, 12, 8)]}) == []


def test_a_grade_rule_on_answered_children_checks_every_child():
    rule = GradeRule(first=1, last=6, subject="children")   # 小学生
    ok, too_young = date(2017, 5, 1), date(2021, 5, 1)
    on = date(2026, 12, 8)
    assert refusals([rule], on=on, birthdates={"children": [ok]}) == []
    assert refusals([rule], on=on, birthdates={"children": [ok, too_young]}) == [
        Refusal(rule=rule, subject="children", value=school_grade_on(too_young, on))]


def test_a_missing_birth_date_is_a_refusal_not_a_pass():
    rule = AgeRule(maximum=5, subject="children")
    assert refusals([rule], on=date(2026, 12, 8), birthdates={}) == [Refusal(rule=rule, subject="children", value=None)]


def test_rules_need_a_bound():
    with pytest.raises(ValueError):
        AgeRule()
    with pytest.raises(ValueError):
        AgeRule(minimum=10, maximum=5)
