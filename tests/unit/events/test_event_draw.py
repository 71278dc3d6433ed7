from __future__ import annotations

import random

import pytest

from portal.booking.domain.draw import seed_commitment
from portal.events.domain.draw import ALL_FULL, PERSON_CAP, EventApplication, draw_seats, verify_seat_draw

SEED = "5eed" * 16
OTHER_SEED = "c0ffee00" * 8


def synthetic(n_apps: int, n_sessions: int, n_persons: int, seed: int = 1) -> list[EventApplication]:
    rng = random.Random(seed)
    sessions = [f"s{i:02d}" for i in range(n_sessions)]
    apps = []
    for i in range(n_apps):
        prefs = tuple(rng.sample(sessions, rng.randint(1, min(3, n_sessions))))
        apps.append(EventApplication(f"a{i:05d}", f"sub-{rng.randrange(n_persons)}", rng.randint(1, 3), prefs))
    return apps


APPS = synthetic(400, 5, 300)
CAPACITY = {f"s{i:02d}": 20 for i in range(5)}


def test_seats_won_never_exceed_any_session_capacity_and_parties_are_never_split():
    result = draw_seats(SEED, APPS, CAPACITY)
    taken = dict.fromkeys(CAPACITY, 0)
    sizes = {a.application_id: a.party_size for a in APPS}
    for win in result.winners.values():
        taken[win.session_key] += sizes[win.application_id]
    assert all(taken[key] <= CAPACITY[key] for key in CAPACITY)
    assert set(result.winners) | set(result.losers) == {a.application_id for a in APPS}
    assert not set(result.winners) & set(result.losers)


def test_demand_above_capacity_fills_every_session_as_far_as_parties_allow():
    result = draw_seats(SEED, APPS, CAPACITY)
    taken = dict.fromkeys(CAPACITY, 0)
    sizes = {a.application_id: a.party_size for a in APPS}
    for win in result.winners.values():
        taken[win.session_key] += sizes[win.application_id]
    # a loser who named a session was refused only because their party no longer fitted into it
    for application in APPS:
        if result.losers.get(application.application_id) == ALL_FULL:
            assert all(CAPACITY[s] - taken[s] < application.party_size for s in application.preferences)


def test_one_win_per_person_by_default():
    apps = [EventApplication("a1", "p", 1, ("s00",)), EventApplication("a2", "p", 1, ("s01",))]
    result = draw_seats(SEED, apps, CAPACITY)
    assert len(result.winners) == 1
    assert set(result.losers.values()) == {PERSON_CAP}


def test_the_draw_is_reproducible_from_the_seed_and_independent_of_input_order():
    first = draw_seats(SEED, APPS, CAPACITY)
    shuffled = APPS[:]
    random.Random(7).shuffle(shuffled)
    assert draw_seats(SEED, shuffled, CAPACITY) == first
    assert draw_seats(OTHER_SEED, APPS, CAPACITY) != first
    assert first.seed_commitment == seed_commitment(SEED)
    assert verify_seat_draw(SEED, seed_commitment(SEED), APPS, CAPACITY, first)


def test_a_party_of_three_never_takes_the_last_two_seats():
    apps = [EventApplication("a1", "p1", 3, ("s",))]
    assert draw_seats(SEED, apps, {"s": 2}).losers == {"a1": ALL_FULL}


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        draw_seats(SEED, [EventApplication("a1", "p1", 0, ("s",))], {"s": 2})
    with pytest.raises(ValueError):
        draw_seats(SEED, [EventApplication("a1", "p1", 1, ("s",)), EventApplication("a1", "p2", 1, ("s",))], {"s": 2})
