from __future__ import annotations

import pytest

from portal.events.domain.capacity import (
    AVAILABLE,
    FEW_LEFT,
    FULL,
    FULL_WAITLIST,
    PartyError,
    availability,
    party_size,
    remaining,
    take,
)


def test_a_party_counts_people_not_applications():
    assert party_size({"adult": 1, "child": 2}) == 3
    assert party_size({"adult": 1, "child": 0}) == 1


@pytest.mark.parametrize("counts", [{}, {"adult": 0}, {"adult": -1, "child": 2}, {"adult": True}])
def test_a_party_has_at_least_one_person_and_no_negative_counts(counts):
    with pytest.raises(PartyError):
        party_size(counts)


def test_remaining_seats_subtract_taken_and_held_and_never_go_below_zero():
    assert remaining(capacity=10, taken=6, held=2) == 2
    assert remaining(capacity=10, taken=12) == 0   # capacity lowered by staff below what was taken


def test_a_party_that_fits_takes_its_seats_and_one_that_does_not_is_refused_whole():
    assert take(capacity=10, taken=7, size=3) == 10
    assert take(capacity=10, taken=8, size=3) is None     # 2 seats left for 3 people: never split
    assert take(capacity=10, taken=0, size=0) is None


def test_held_seats_of_an_open_offer_are_not_given_to_someone_else():
    assert take(capacity=10, taken=7, held=2, size=2) is None
    assert take(capacity=10, taken=7, held=2, size=1) == 8


@pytest.mark.parametrize(("capacity", "taken", "waitlist", "expected"), [
    (30, 0, False, AVAILABLE),
    (30, 23, False, AVAILABLE),      # 7 left of 30: more than a fifth
    (30, 24, False, FEW_LEFT),       # 6 left: a fifth
    (5, 3, False, FEW_LEFT),         # small courses: 2 left is already few
    (5, 5, True, FULL_WAITLIST),
    (5, 5, False, FULL),
    (0, 0, False, FULL),
])
def test_availability_labels(capacity, taken, waitlist, expected):
    assert availability(capacity=capacity, taken=taken, waitlist_open=waitlist) == expected
