from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.events.domain.capacity import PartyError
from portal.events.domain.fees import FeeLine, ParticipantType, fee_lines, konbini_allowed, total

TYPES = (ParticipantType("adult", 1200), ParticipantType("child", 600), ParticipantType("infant", 0))


def test_fee_per_participant_type_with_a_line_each():
    lines = fee_lines(TYPES, {"adult": 1, "child": 2})
    assert lines == [FeeLine("adult", 1200, 1, 1200), FeeLine("child", 600, 2, 1200)]
    assert total(lines) == 2400


def test_free_participants_are_listed_but_cost_nothing():
    lines = fee_lines(TYPES, {"adult": 1, "infant": 1})
    assert lines[-1] == FeeLine("infant", 0, 1, 0)
    assert total(lines) == 1200


def test_unknown_participant_types_and_parties_over_the_limit_are_refused():
    with pytest.raises(PartyError):
        fee_lines(TYPES, {"adult": 1, "senior": 1})
    with pytest.raises(PartyError):
        fee_lines(TYPES, {"adult": 2, "child": 3}, max_party=4)


def test_konbini_only_when_the_payment_deadline_leaves_days_to_pay():
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    assert konbini_allowed(now=now, pay_by=now + timedelta(days=4), days_to_pay=3)
    assert not konbini_allowed(now=now, pay_by=now + timedelta(days=2), days_to_pay=3)
