"""The event lottery's published rules as plain functions: the canonical inputs and their digest, one application
per person, free seats per prize (a series as one), re-running the draw from a record, and the pseudonyms."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from portal.events import lottery
from portal.events.models import Event, EventSession

SEED = hashlib.sha256(b"unit seed").hexdigest()
APPLICATIONS = [[3, "p-c", 2, ["11", "12"]], [1, "p-a", 1, ["11"]], [2, "p-b", 3, ["12", "11"]],
                [4, "p-a", 1, ["12"]], [5, "p-d", 2, ["11"]]]


def test_the_digest_is_of_the_canonical_order_and_changes_with_any_input():
    digest = lottery.inputs_digest(APPLICATIONS)
    assert digest == lottery.inputs_digest(list(reversed(APPLICATIONS)))
    changed = [list(a) for a in APPLICATIONS]
    changed[0] = [3, "p-c", 3, ["11", "12"]]              # a party grown by one after the close
    assert lottery.inputs_digest(changed) != digest
    assert lottery.inputs_digest(APPLICATIONS[:-1]) != digest


def test_a_persons_later_applications_are_duplicates():
    kept, duplicates = lottery.split_duplicates(APPLICATIONS)
    assert [a[0] for a in kept] == [1, 2, 3, 5] and duplicates == [4]


def test_free_seats_per_prize_and_a_series_counts_its_fullest_session():
    sessions = [EventSession(id=11, capacity=10, taken=4, status="open"),
                EventSession(id=12, capacity=6, taken=0, status="open"),
                EventSession(id=13, capacity=8, taken=8, status="cancelled")]
    choice = Event(session_mode="choice")
    assert lottery.capacities(choice, sessions) == {"11": 6, "12": 6, "13": 0}
    assert lottery.capacities(Event(session_mode="series"), sessions) == {lottery.SERIES: 0}
    assert lottery.capacities(Event(session_mode="series"), sessions[:2]) == {lottery.SERIES: 6}


def test_the_draw_re_runs_identically_from_the_record_and_never_splits_a_party():
    record = {"applications": APPLICATIONS, "capacity": {"11": 3, "12": 3}}
    first, again = lottery.compute(SEED, record), lottery.compute(SEED, dict(record))
    assert first == again
    assert 4 not in first.winners and 4 not in first.losers          # the duplicate is not drawn at all
    taken = {"11": 0, "12": 0}
    for application_id, win in first.winners.items():
        taken[win.session_key] += next(a[2] for a in APPLICATIONS if a[0] == application_id)
    assert taken["11"] <= 3 and taken["12"] <= 3
    seeds = [hashlib.sha256(str(n).encode()).hexdigest() for n in range(6)]
    assert len({lottery.compute(seed, record).trace for seed in seeds}) > 1      # the seed decides the order

def test_the_draw_is_an_hour_after_the_close():
    closes = datetime(2026, 12, 18, 1, 0, tzinfo=UTC)
    assert lottery.draw_at(Event(closes_at=closes)) == datetime(2026, 12, 18, 2, 0, tzinfo=UTC)


def test_pseudonyms_are_per_event_and_hide_the_sub():
    first, again = lottery.pseudonym(1, "sub-123"), lottery.pseudonym(1, "sub-123")
    assert first == again and len(first) == 16 and "sub-123" not in first
    assert lottery.pseudonym(2, "sub-123") != first and lottery.pseudonym(1, "sub-124") != first
