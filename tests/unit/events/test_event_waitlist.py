from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.events.domain.waitlist import (
    CONFIRMED,
    LAPSED,
    OFFERED,
    TRANSITIONS,
    WAITING,
    WITHDRAWN,
    InvalidTransition,
    Waiting,
    check_transition,
    offer_deadline,
    to_offer,
)

STATES = (WAITING, OFFERED, CONFIRMED, LAPSED, WITHDRAWN)
ALLOWED = {(WAITING, OFFERED), (WAITING, WITHDRAWN), (OFFERED, CONFIRMED), (OFFERED, LAPSED), (OFFERED, WITHDRAWN)}


@pytest.mark.parametrize("source", STATES)
@pytest.mark.parametrize("target", STATES)
def test_every_transition_is_allowed_or_refused_as_the_table_says(source, target):
    if (source, target) in ALLOWED:
        check_transition(source, target)
    else:
        with pytest.raises(InvalidTransition):
            check_transition(source, target)


def test_the_table_is_what_the_test_expects():
    assert {(s, t) for s, targets in TRANSITIONS.items() for t in targets} == ALLOWED


def test_freed_seats_go_to_the_earliest_entries_whose_party_fits():
    queue = [Waiting(1, 3), Waiting(2, 1), Waiting(3, 2), Waiting(4, 1)]
    assert to_offer(queue, free_seats=2) == [2, 4]     # the party of 3 keeps its place; nobody is split
    assert to_offer(queue, free_seats=3) == [1]
    assert to_offer(queue, free_seats=0) == []


NOW = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)


def test_an_offer_is_held_for_the_hold_time_but_never_past_the_closing_time_before_the_start():
    start = NOW + timedelta(days=3)
    assert offer_deadline(NOW, hold=timedelta(hours=24), starts_at=start, closes_before=timedelta(hours=12)) \
        == NOW + timedelta(hours=24)
    start = NOW + timedelta(hours=20)
    assert offer_deadline(NOW, hold=timedelta(hours=24), starts_at=start, closes_before=timedelta(hours=12)) \
        == NOW + timedelta(hours=8)


def test_no_offer_when_there_is_no_time_left_to_accept_it():
    start = NOW + timedelta(hours=11)
    assert offer_deadline(NOW, hold=timedelta(hours=24), starts_at=start, closes_before=timedelta(hours=12)) is None
