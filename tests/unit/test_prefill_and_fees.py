from types import SimpleNamespace

import pytest

from portal.procedures.kinds import KINDS
from portal.procedures.prefill import prefill_for, remember

RESIDENT = SimpleNamespace(
    claims={
        "name": "一宮 花子",
        "birthdate": "1990-04-12",
        "gender": "female",
        "address": {"postal_code": "4910859", "region": "愛知県", "locality": "一宮市",
                    "street_address": "本町2丁目5番6号"},
    },
    remembered={"phone": "09012345678"},
)


def test_identity_prefill_is_locked_only_when_the_definition_says_so():
    locked = prefill_for({"id": "name", "prefill": "identity.name", "locked": True}, RESIDENT)
    assert (locked.value, locked.source, locked.locked) == ("一宮 花子", "identity", True)
    assert prefill_for({"id": "name", "prefill": "identity.name"}, RESIDENT).locked is False


def test_identity_address_maps_onto_the_address_field():
    value = prefill_for({"id": "a", "prefill": "identity.address"}, RESIDENT).value
    assert value == {"postal_code": "491-0859", "prefecture": "愛知県", "city": "一宮市",
                     "town": "本町2丁目5番6号", "line": "", "building": ""}


def test_previous_answers_prefill_and_are_never_locked():
    filled = prefill_for({"id": "tel", "prefill": "previous.phone", "locked": True}, RESIDENT)
    assert (filled.value, filled.source, filled.locked) == ("09012345678", "previous", False)
    assert prefill_for({"id": "mail", "prefill": "previous.email"}, RESIDENT) is None
    assert prefill_for({"id": "x"}, RESIDENT) is None
    assert prefill_for({"id": "name", "prefill": "identity.name"}, None) is None


def test_remember_keeps_answers_of_previous_fields_only():
    resident = SimpleNamespace(remembered={"phone": "old"})
    definition = SimpleNamespace(fields={
        "tel": SimpleNamespace(spec={"id": "tel", "prefill": "previous.phone"}),
        "kana": SimpleNamespace(spec={"id": "kana", "prefill": "previous.name_kana"}),
        "note": SimpleNamespace(spec={"id": "note"}),
    })
    remember(definition, {"tel": "0586000000", "kana": "", "note": "secret"}, resident)
    assert resident.remembered == {"phone": "0586000000"}


@pytest.mark.parametrize(
    ("fee", "answers", "expected"),
    [
        (None, {}, 0),
        ({"rule": "fixed", "amount": 200}, {}, 200),
        ({"rule": "per_unit", "unit_amount": 300, "quantity_field": "copies"}, {"copies": 3}, 900),
        ({"rule": "per_unit", "unit_amount": 300, "quantity_field": "copies"}, {}, 0),
    ],
)
def test_fee_rules_in_integer_yen(fee, answers, expected):
    content = {"fee": fee} if fee else {}
    assert KINDS["generic"].fee(content, answers) == expected
    assert isinstance(KINDS["certificate"].fee(content, answers), int)
