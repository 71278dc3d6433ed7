"""One schema says what a definition's text may be, wherever in the definition it is."""
import jsonschema
import pytest

from portal.procedures.definition import DefinitionError, validate
from portal.procedures.fields import LOCALIZED_TEXT as FIELDS_TEXT
from portal.procedures.localized_text import LOCALIZED_TEXT


def accepted(value) -> bool:
    return jsonschema.Draft202012Validator(LOCALIZED_TEXT).is_valid(value)


@pytest.mark.parametrize("value", [
    "住民票", {"ja": "通"}, {"ja": "通", "en": "copies"}, {"ja": "通", "en": "copies", "en_one": "copy"},
    {"ja": "通", "en": ""},
])
def test_accepted(value):
    assert accepted(value)


@pytest.mark.parametrize("value", [
    "", None, 3, [], {}, {"en": "copies"}, {"ja": ""}, {"ja": "通", "fr": "copies"}, {"ja": "通", "en": 2},
])
def test_refused(value):
    assert not accepted(value)


def test_field_types_use_the_same_schema():
    assert FIELDS_TEXT is LOCALIZED_TEXT


def sample(**field) -> dict:
    return {"id": "sample", "version": 1, "kind": "generic", "category": "kurashi", "title": "見本",
            "audience": "anyone",
            "steps": [{"id": "s", "title": "s", "fields": [{"id": "a", "type": "text", "label": "A", **field}]}]}


def test_a_field_types_own_text_is_held_to_it_too():
    validate(sample(pattern_message={"ja": "半角数字で入力してください", "en": "Digits only"}), "sample.yaml")
    with pytest.raises(DefinitionError, match=r"^sample.yaml: steps\[0\].fields\[0\].pattern_message"):
        validate(sample(pattern_message={"en": "Digits only"}), "sample.yaml")
