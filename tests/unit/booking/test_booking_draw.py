from __future__ import annotations

import hashlib
import hmac
import random
from collections import Counter, defaultdict

import pytest

from portal.booking.domain.draw import (
    Application,
    DrawResult,
    draw,
    inputs_digest,
    new_seed,
    order_key,
    seed_commitment,
    verify_commitment,
    verify_draw,
)

SEED = "5eed" * 16   # 32 bytes, fixed so failures are reproducible
OTHER_SEED = "c0ffee00" * 8


def synthetic(n_apps: int, n_slots: int, n_persons: int, n_groups: int = 0, seed: int = 1) -> list[Application]:
    """Skewed preferences (a few hot slots) so that competition, fallbacks and caps all happen."""
    rng = random.Random(seed)
    slots = [f"s{i:04d}" for i in range(n_slots)]
    weights = [8 if i % 10 == 0 else 1 for i in range(n_slots)]
    apps = []
    for i in range(n_apps):
        person = rng.randrange(n_persons)
        group = f"g{person % n_groups}" if n_groups and person % 3 == 0 else None
        prefs = []
        while len(prefs) < rng.randint(1, 4):
            choice = rng.choices(slots, weights)[0]
            if choice not in prefs:
                prefs.append(choice)
        apps.append(Application(f"a{i:05d}", f"sub-{person}", group, tuple(prefs)))
    return apps


APPS = synthetic(600, 120, 250, n_groups=10)


def test_commitment_is_sha256_of_the_seed_bytes():
    assert seed_commitment(SEED) == hashlib.sha256(bytes.fromhex(SEED)).hexdigest()
    assert verify_commitment(SEED, seed_commitment(SEED))
    assert not verify_commitment(OTHER_SEED, seed_commitment(SEED))


def test_new_seed_is_256_random_bits():
    seeds = {new_seed() for _ in range(5)}
    assert len(seeds) == 5 and all(len(s) == 64 and bytes.fromhex(s) for s in seeds)


def test_bad_seeds_are_refused():
    with pytest.raises(ValueError):
        draw("not hex", APPS, 2)
    with pytest.raises(ValueError):
        draw("abcd", APPS, 2)   # too short to be unguessable


def test_same_seed_same_result():
    first, second = draw(SEED, APPS, 2, 5), draw(SEED, APPS, 2, 5)
    assert first == second
    assert first.winners and first.losers


def test_different_seed_different_result():
    assert draw(SEED, APPS, 2, 5).winners != draw(OTHER_SEED, APPS, 2, 5).winners


def test_input_order_does_not_matter():
    shuffled = APPS[:]
    random.Random(7).shuffle(shuffled)
    assert draw(SEED, shuffled, 2, 5) == draw(SEED, APPS, 2, 5)
    assert inputs_digest(shuffled) == inputs_digest(APPS)


def test_inputs_digest_changes_with_any_input():
    changed = APPS[:-1] + [APPS[-1]._replace(preferences=APPS[-1].preferences[::-1] + ("s9999",))]
    assert inputs_digest(changed) != inputs_digest(APPS)


def test_every_application_is_decided_once_and_no_slot_is_won_twice():
    result = draw(SEED, APPS, 2, 5)
    assert set(result.winners) | set(result.losers) == {a.application_id for a in APPS}
    assert not set(result.winners) & set(result.losers)
    won = [w.slot_key for w in result.winners.values()]
    assert len(won) == len(set(won))
    assert len(result.trace) == len(APPS)


def test_caps_per_person_and_per_group_are_respected():
    by_id = {a.application_id: a for a in APPS}
    result = draw(SEED, APPS, win_cap_per_person=2, win_cap_per_group=5)
    per_person = Counter(by_id[i].person_key for i in result.winners)
    per_group = Counter(by_id[i].group_key for i in result.winners if by_id[i].group_key)
    assert max(per_person.values()) == 2
    assert max(per_group.values()) == 5
    assert {"person_cap", "group_cap"} <= set(result.losers.values())
    strict = draw(SEED, APPS, win_cap_per_person=1)
    assert max(Counter(by_id[i].person_key for i in strict.winners).values()) == 1


def test_trace_replays_best_still_free_preference():
    """A third party re-checks each decision from the published trace alone."""
    by_id = {a.application_id: a for a in APPS}
    result = draw(SEED, APPS, 2, 5)
    taken: set[str] = set()
    person_wins, group_wins = Counter(), Counter()
    for step, decision in enumerate(result.trace):
        application = by_id[decision.application_id]
        assert decision.step == step and decision.person_key == application.person_key
        if decision.outcome == "won":
            rank = application.preferences.index(decision.slot_key)
            assert decision.rank == rank + 1
            assert decision.slot_key not in taken
            assert all(better in taken for better in application.preferences[:rank])
            assert person_wins[application.person_key] < 2
            taken.add(decision.slot_key)
            person_wins[application.person_key] += 1
            if application.group_key:
                assert group_wins[application.group_key] < 5
                group_wins[application.group_key] += 1
        elif decision.outcome == "all_taken":
            assert all(p in taken for p in application.preferences)
        elif decision.outcome == "person_cap":
            assert person_wins[application.person_key] == 2
        else:
            assert decision.outcome == "group_cap" and group_wins[application.group_key] == 5
    assert taken == {w.slot_key for w in result.winners.values()}


def test_rounds_follow_the_published_order_keys():
    """Round r visits persons by HMAC-SHA256(seed, "r\\x1fperson") — recomputed here without the module's help —
    and each person's applications in application-id order, one per round."""
    result = draw(SEED, APPS, 2, 5)
    seed = bytes.fromhex(SEED)
    by_round = defaultdict(list)
    for decision in result.trace:
        by_round[decision.round].append(decision)
    assert sorted(by_round) == list(range(1, len(by_round) + 1))
    seen_per_person = defaultdict(list)
    for round_no, decisions in sorted(by_round.items()):
        persons = [d.person_key for d in decisions]
        assert len(persons) == len(set(persons)), "one application per person per round"
        keys = [hmac.new(seed, f"{round_no}\x1f{p}".encode(), hashlib.sha256).digest() for p in persons]
        assert keys == sorted(keys)
        assert keys[0] == order_key(seed, round_no, persons[0])
        for d in decisions:
            seen_per_person[d.person_key].append(d.application_id)
    for person, ids in seen_per_person.items():
        assert ids == sorted(a.application_id for a in APPS if a.person_key == person)


def test_available_slots_limit_what_can_be_won():
    apps = [Application(1, "p1", None, ("x", "y")), Application(2, "p2", None, ("x",))]
    result = draw(SEED, apps, 1, available_slots={"y"})
    assert result.winners[1].slot_key == "y" and result.winners[1].rank == 2
    assert result.losers == {2: "all_taken"}


def test_empty_inputs():
    result = draw(SEED, [], 2)
    assert result == DrawResult(algorithm=result.algorithm, seed_commitment=seed_commitment(SEED),
                                winners={}, losers={}, trace=(), rounds=0)
    assert draw(SEED, [Application("a", "p", None, ())], 1).losers == {"a": "all_taken"}


def test_duplicate_application_ids_are_refused():
    with pytest.raises(ValueError):
        draw(SEED, [Application(1, "p1", None, ("x",)), Application(1, "p2", None, ("y",))], 1)


def test_verify_draw_detects_tampering():
    result = draw(SEED, APPS, 2, 5)
    commitment = seed_commitment(SEED)
    assert verify_draw(SEED, commitment, APPS, result, 2, 5)
    assert not verify_draw(OTHER_SEED, commitment, APPS, result, 2, 5)
    first_winner = next(iter(result.winners))
    forged = DrawResult(result.algorithm, result.seed_commitment,
                        {k: v for k, v in result.winners.items() if k != first_winner},
                        {**result.losers, first_winner: "all_taken"}, result.trace, result.rounds)
    assert not verify_draw(SEED, commitment, APPS, forged, 2, 5)

