"""Each applicant's chance of winning matches what the documented algorithm promises.

Seeds are derived from a counter (``sha256("stat-<case>-<i>")``), so the test is deterministic: it either
always passes or always fails. Tolerance: an observed rate ``k/n`` must lie within ``Z`` binomial standard
deviations ``sqrt(p(1-p)/n)`` of the exact expected probability ``p``, with ``Z = 4.5``. For a correct
implementation with truly random seeds that bound fails with probability ≈ 7e-6 per checked rate, while the
alternatives it must reject (e.g. "every application is one ticket", 1/2 instead of 1/3) lie > 15 SD away.
"""
from __future__ import annotations

import hashlib
import math
from collections import Counter
from fractions import Fraction

from portal.booking.domain.draw import Application, draw

DRAWS = 4000
Z = 4.5


def seeds(case: str, n: int = DRAWS):
    for i in range(n):
        yield hashlib.sha256(f"stat-{case}-{i}".encode()).hexdigest()


def assert_rate(observed: int, expected: Fraction, n: int, label: str) -> None:
    p = float(expected)
    if p in (0.0, 1.0):
        assert observed == n * p, label
        return
    sd = math.sqrt(p * (1 - p) / n)
    rate = observed / n
    assert abs(rate - p) <= Z * sd, f"{label}: {rate:.4f} vs {p:.4f} ± {Z * sd:.4f}"


def test_eight_applicants_one_slot_each_win_one_eighth():
    apps = [Application(f"a{i}", f"person-{i}", None, ("gym/2026-11-07 18:00",)) for i in range(8)]
    wins = Counter()
    for seed in seeds("eight"):
        [(winner, _)] = draw(seed, apps, win_cap_per_person=1).winners.items()
        wins[winner] += 1
    assert sum(wins.values()) == DRAWS
    for app in apps:
        assert_rate(wins[app.application_id], Fraction(1, 8), DRAWS, app.application_id)


def test_twenty_applicants_five_identical_slots():
    # Everyone ranks the same five slots: each of the 20 persons wins something with probability 5/20,
    # and the first choice goes to each with probability 1/20.
    prefs = tuple(f"s{i}" for i in range(5))
    apps = [Application(i, f"p{i:02d}", None, prefs) for i in range(20)]
    any_win, first_choice = Counter(), Counter()
    for seed in seeds("twenty", 2000):
        for app_id, win in draw(seed, apps, 1).winners.items():
            any_win[app_id] += 1
            first_choice[app_id] += win.rank == 1
    for app in apps:
        assert_rate(any_win[app.application_id], Fraction(1, 4), 2000, f"win {app.application_id}")
        assert_rate(first_choice[app.application_id], Fraction(1, 20), 2000, f"first {app.application_id}")


def test_several_applications_give_no_extra_chance_in_the_first_round():
    # Alice filed two applications for the one slot, Bob and Carol one each. Rounds give one application per
    # person per round, so each person wins with 1/3 — under "one ticket per application" Alice would get 1/2.
    slot = ("hall/2026-11-14 13:00",)
    apps = [Application(1, "alice", None, slot), Application(2, "alice", None, slot),
            Application(3, "bob", None, slot), Application(4, "carol", None, slot)]
    wins = Counter()
    by_id = {a.application_id: a.person_key for a in apps}
    for seed in seeds("tickets"):
        [winner] = draw(seed, apps, win_cap_per_person=2).winners
        wins[by_id[winner]] += 1
    for person in ("alice", "bob", "carol"):
        assert_rate(wins[person], Fraction(1, 3), DRAWS, person)


def test_ranked_preferences_with_caps_match_exact_probabilities():
    """Slots S and T; win cap 1 per person.
        A: application A1 = [S], application A2 = [T]
        B: [S, T]
        C: [S]
    Round 1 visits A1, B, C in a uniformly random order; whoever comes first takes S (1/3 each).
      A first → B falls back to T, C loses, A2 is capped.         → A:S, B:T
      B first → A1 and C lose; round 2: A2 takes the still-free T. → B:S, A:T
      C first → A1 loses, B takes T; round 2: A2 finds T taken.   → C:S, B:T
    """
    apps = [Application("A1", "A", None, ("S",)), Application("A2", "A", None, ("T",)),
            Application("B1", "B", None, ("S", "T")), Application("C1", "C", None, ("S",))]
    expected = {("A", "S"): Fraction(1, 3), ("A", "T"): Fraction(1, 3), ("B", "S"): Fraction(1, 3),
                ("B", "T"): Fraction(2, 3), ("C", "S"): Fraction(1, 3), ("C", "T"): Fraction(0)}
    outcomes = Counter()
    for seed in seeds("ranked"):
        result = draw(seed, apps, win_cap_per_person=1)
        for app_id, win in result.winners.items():
            outcomes[(app_id[0], win.slot_key)] += 1
        assert len(result.winners) == 2   # S and T are always both given out
    for (person, slot), p in expected.items():
        assert_rate(outcomes[(person, slot)], p, DRAWS, f"{person} wins {slot}")


def test_group_cap_splits_the_groups_chance_between_members():
    """A and B are one registered group (cap 1 win per group); C is alone; all want [S, T].
    Over the 6 equally likely orders: C always wins (first → S, or second/third → the slot the group did not
    take), and the group's single win goes to whichever member comes first: A and B win with 1/2 each."""
    apps = [Application("A", "a", "club", ("S", "T")), Application("B", "b", "club", ("S", "T")),
            Application("C", "c", None, ("S", "T"))]
    wins = Counter()
    for seed in seeds("group"):
        result = draw(seed, apps, win_cap_per_person=1, win_cap_per_group=1)
        assert ("A" in result.winners) != ("B" in result.winners)
        wins.update(result.winners.keys())
    assert_rate(wins["A"], Fraction(1, 2), DRAWS, "A")
    assert_rate(wins["B"], Fraction(1, 2), DRAWS, "B")
    assert_rate(wins["C"], Fraction(1), DRAWS, "C")
