from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from portal.booking.domain.calendar import DayType, jst
from portal.booking.domain.draw import Application
from portal.booking.domain.lottery import (
    LotteryPolicy,
    LotterySchedule,
    LotteryScope,
    Moment,
    Phase,
    validate_application,
)
from portal.booking.domain.rules import BookingRules
from portal.booking.domain.slots import Slot

SCHEDULE = LotterySchedule()   # apply 1st–10th of M-2, draw 12th 10:00, confirm to the 20th, first-come 1st of M-1 9:00
NOVEMBER = SCHEDULE.calendar_for(2026, 11)


def test_default_schedule_for_a_target_month():
    assert NOVEMBER.applications_open_at == jst(date(2026, 9, 1), time(0))
    assert NOVEMBER.applications_close_at == jst(date(2026, 9, 11), time(0))   # "until 9/10 23:59"
    assert NOVEMBER.draw_at == jst(date(2026, 9, 12), time(10))
    assert NOVEMBER.confirm_until == jst(date(2026, 9, 21), time(0))
    assert NOVEMBER.first_come_opens_at == jst(date(2026, 10, 1), time(9))
    assert NOVEMBER.applications_open_at.tzinfo is UTC


def test_schedule_crosses_the_year():
    january = SCHEDULE.calendar_for(2027, 1)
    assert january.applications_open_at == jst(date(2026, 11, 1), time(0))
    assert january.first_come_opens_at == jst(date(2026, 12, 1), time(9))


@pytest.mark.parametrize("now, phase", [
    (jst(date(2026, 8, 31), time(23, 59, 59)), Phase.BEFORE),
    (jst(date(2026, 9, 1), time(0)), Phase.APPLICATIONS),
    (jst(date(2026, 9, 10), time(23, 59, 59)), Phase.APPLICATIONS),
    (jst(date(2026, 9, 11), time(0)), Phase.AWAITING_DRAW),
    (jst(date(2026, 9, 12), time(9, 59, 59)), Phase.AWAITING_DRAW),
    (jst(date(2026, 9, 12), time(10)), Phase.CONFIRMING),
    (jst(date(2026, 9, 20), time(23, 59, 59)), Phase.CONFIRMING),
    (jst(date(2026, 9, 21), time(0)), Phase.AWAITING_FIRST_COME),
    (jst(date(2026, 10, 1), time(8, 59, 59)), Phase.AWAITING_FIRST_COME),
    (jst(date(2026, 10, 1), time(9)), Phase.FIRST_COME),
    (jst(date(2026, 11, 30), time(21)), Phase.FIRST_COME),
])
def test_phase_at_each_boundary(now, phase):
    assert NOVEMBER.phase(now) is phase
    assert NOVEMBER.phase(now) == phase.value


def test_confirmation_deadline_can_be_the_first_come_opening():
    schedule = LotterySchedule(confirm_until=Moment(1, 1, time(9)))
    november = schedule.calendar_for(2026, 11)
    assert november.phase(jst(date(2026, 10, 1), time(8, 59))) is Phase.CONFIRMING
    assert november.phase(jst(date(2026, 10, 1), time(9))) is Phase.FIRST_COME


def test_day_31_means_the_last_day_of_a_short_month():
    schedule = LotterySchedule(confirm_until=Moment(2, 31, end_of_day=True))
    assert schedule.calendar_for(2026, 11).confirm_until == jst(date(2026, 10, 1), time(0))   # September has 30 days


def test_out_of_order_schedule_is_refused():
    with pytest.raises(ValueError):
        LotterySchedule(draw=Moment(2, 5)).calendar_for(2026, 11)
    with pytest.raises(ValueError):
        Moment(2, 0)


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        NOVEMBER.phase(datetime(2026, 9, 5))


def test_scope_decides_which_slots_go_to_lottery():
    weekend_evenings = LotteryScope(months=frozenset({11, 12}), day_types=frozenset({DayType.HOLIDAY}),
                                    start_times=frozenset({time(18)}))
    assert weekend_evenings.covers(Slot.from_local("gym", date(2026, 11, 7), time(18), time(21)))
    assert not weekend_evenings.covers(Slot.from_local("gym", date(2026, 11, 7), time(9), time(12)))
    assert not weekend_evenings.covers(Slot.from_local("gym", date(2026, 11, 4), time(18), time(21)))
    assert not weekend_evenings.covers(Slot.from_local("gym", date(2027, 1, 9), time(18), time(21)))
    assert LotteryScope().covers(Slot.from_local("gym", date(2027, 1, 5), time(9), time(12)))


# --- application validation -----------------------------------------------------------------------------------

POLICY = LotteryPolicy(max_preferences=3, max_applications_per_person=2, max_applications_per_group=3)
IN_WINDOW = jst(date(2026, 9, 5), time(12))
SLOTS = frozenset({"gym/2026-11-07 18:00", "gym/2026-11-08 18:00", "gym/2026-11-14 18:00", "gym/2026-11-15 18:00"})
S1, S2, S3, S4 = sorted(SLOTS)


def app(app_id, person="sub-alice", group=None, prefs=(S1, S2)):
    return Application(app_id, person, group, tuple(prefs))


def validate(application, existing=(), now=IN_WINDOW, **kwargs):
    return [v.code for v in validate_application(application, POLICY, NOVEMBER, now, SLOTS, list(existing), **kwargs)]


def test_a_valid_application():
    assert validate(app(1)) == []
    assert validate(app(1, prefs=(S1, S2, S3))) == []


def test_only_during_the_application_window():
    assert validate(app(1), now=jst(date(2026, 9, 11), time(0))) == ["window_closed"]
    assert validate(app(1), now=jst(date(2026, 8, 31), time(23))) == ["window_closed"]


def test_preference_list_rules():
    assert validate(app(1, prefs=())) == ["no_preferences"]
    assert validate(app(1, prefs=(S1, S2, S3, S4))) == ["too_many_preferences"]
    assert validate(app(1, prefs=(S1, S2, S1))) == ["duplicate_preference"]
    assert validate(app(1, prefs=(S1, "gym/2026-11-09 09:00"))) == ["not_in_lottery"]


def test_application_cap_is_per_verified_person_not_per_account():
    # Two accounts of one person share the identity sub, so they share the cap.
    existing = [app(1, person="sub-alice"), app(2, person="sub-alice")]
    found = validate_application(app(3, person="sub-alice"), POLICY, NOVEMBER, IN_WINDOW, SLOTS, existing)
    assert [v.code for v in found] == ["person_application_cap"]
    assert "2件" in found[0].message_ja
    assert validate(app(3, person="sub-bob"), existing) == []


def test_editing_an_application_does_not_count_it_twice():
    existing = [app(1), app(2)]
    assert validate(app(2, prefs=(S3,)), existing) == []


def test_group_application_cap():
    existing = [app(1, "sub-a", "team-x"), app(2, "sub-b", "team-x"), app(3, "sub-c", "team-x")]
    assert validate(app(4, "sub-d", "team-x"), existing) == ["group_application_cap"]
    assert validate(app(4, "sub-d", "team-y"), existing) == []
    assert validate(app(4, "sub-d", None), existing) == []


def test_residency_and_group_rules_apply_to_applications():
    rules = BookingRules(max_days_ahead=90, min_notice_hours=0, max_slots_per_person_per_month=4,
                         resident_only=True, group_required=True, hold_minutes=30)
    assert validate(app(1), rules=rules, is_resident=False) == ["resident_only", "group_required"]
    assert validate(app(1, group="team-x"), rules=rules, is_resident=True) == []


def test_policy_validation():
    with pytest.raises(ValueError):
        LotteryPolicy(max_preferences=0)
    with pytest.raises(ValueError):
        LotteryPolicy(win_cap_per_person=0)
