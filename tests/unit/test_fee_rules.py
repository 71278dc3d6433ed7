"""Fee rules of a definition: fixed, per unit, or computed by the procedure kind — always integer yen."""
from __future__ import annotations

import pytest

from portal.procedures.definition import DefinitionError, validate
from portal.procedures.kinds import KINDS
from portal.procedures.kinds.base import ProcedureKind

BASE = {
    "id": "fee-test", "version": 1, "kind": "generic", "category": "kurashi",
    "title": {"ja": "テスト"}, "audience": "anyone",
    "steps": [{"id": "s", "title": {"ja": "s"},
               "fields": [{"id": "copies", "type": "number", "label": {"ja": "通数"}}]}],
}


class SlotsKind(ProcedureKind):
    """What a facility kind will do: slots × hourly rate."""

    name = "slots-test"
    computes_fees = True

    def computed_fee(self, content, answers):
        return 500 * len(answers.get("slots") or [])


class BrokenKind(SlotsKind):
    name = "broken-test"

    def computed_fee(self, content, answers):
        return 12.5


@pytest.mark.parametrize(("rule", "answers", "expected"), [
    ({"rule": "fixed", "amount": 300}, {}, 300),
    ({"rule": "fixed", "amount": 0}, {}, 0),
    ({"rule": "per_unit", "unit_amount": 300, "quantity_field": "copies"}, {"copies": 3}, 900),
    ({"rule": "per_unit", "unit_amount": 300, "quantity_field": "copies"}, {"copies": "2"}, 600),
    ({"rule": "per_unit", "unit_amount": 300, "quantity_field": "copies"}, {"copies": None}, 0),
    ({"rule": "per_unit", "unit_amount": 300, "quantity_field": "copies"}, {"copies": "abc"}, 0),
    ({"rule": "per_unit", "unit_amount": 300, "quantity_field": "copies"}, {"copies": -2}, 0),
])
def test_fixed_and_per_unit(rule, answers, expected):
    amount = KINDS["generic"].fee({"fee": rule}, answers)
    assert amount == expected and type(amount) is int


def test_juminhyo_three_copies_is_900_yen():
    from pathlib import Path

    from portal.procedures.definition import load_file

    definition = load_file(Path(__file__).resolve().parents[2] / "forms" / "juminhyo.yaml")
    content = definition.content if hasattr(definition, "content") else definition
    assert KINDS["certificate"].fee(content, {"copies": 3}) == 900


def test_a_kind_can_compute_the_fee():
    kind = SlotsKind()
    assert kind.fee({"fee": {"rule": "kind"}}, {"slots": ["09:00", "10:00", "11:00"]}) == 1500
    assert kind.check_fee({"fee": {"rule": "kind"}}) is None


def test_a_computed_fee_must_be_whole_yen():
    with pytest.raises(ValueError):
        BrokenKind().fee({"fee": {"rule": "kind"}}, {})


def test_rule_kind_is_refused_for_a_kind_that_does_not_compute_fees():
    with pytest.raises(DefinitionError, match="does not compute fees"):
        validate({**BASE, "fee": {"rule": "kind"}}, "fee-test.yaml")
    with pytest.raises(NotImplementedError):
        KINDS["generic"].fee({"fee": {"rule": "kind"}}, {})


def test_amounts_are_integers_in_the_schema():
    with pytest.raises(DefinitionError):
        validate({**BASE, "fee": {"rule": "fixed", "amount": 300.5}}, "fee-test.yaml")
    with pytest.raises(DefinitionError):
        validate({**BASE, "fee": {"rule": "per_unit", "unit_amount": -1, "quantity_field": "copies"}}, "fee-test.yaml")
    validate({**BASE, "fee": {"rule": "per_unit", "unit_amount": 300, "quantity_field": "copies"}}, "fee-test.yaml")
