"""A refused definition says every problem at once, each at its place in the content (for the form builder)."""
import pytest

from portal.procedures.definition import DefinitionError, Problem, validate
from portal.procedures.kinds import KINDS, ProcedureKind


def sample(**overrides) -> dict:
    content = {
        "id": "sample", "version": 1, "kind": "generic", "category": "kurashi", "title": "見本", "audience": "anyone",
        "steps": [
            {"id": "first", "title": "最初", "fields": [
                {"id": "colour", "type": "choice", "label": "色",
                 "options": [{"value": "red", "label": "赤"}, {"value": "blue", "label": "青"}]}]},
            {"id": "second", "title": "次", "fields": [
                {"id": "shade", "type": "text", "label": "濃さ"},
                {"id": "size", "type": "number", "label": "大きさ"}]},
        ],
    }
    content.update(overrides)
    return content


def refusal(content) -> DefinitionError:
    with pytest.raises(DefinitionError) as refused:
        validate(content, "sample.yaml")
    return refused.value


def test_a_problem_has_the_location_inside_the_content():
    content = sample()
    content["steps"][1]["fields"][1]["when"] = {"field": "nothing", "equals": 1}
    error = refusal(content)
    assert error.source == "sample.yaml"
    assert error.problems == (
        Problem(("steps", 1, "fields", 1, "when"),
                "condition refers to 'nothing', which is not a field of an earlier step"),
    )
    assert error.problems[0].path == "steps[1].fields[1].when"
    assert str(error) == ("sample.yaml: steps[1].fields[1].when: condition refers to 'nothing', which is not a field "
                          "of an earlier step")


def test_every_problem_of_the_steps_and_fields_is_reported_in_order():
    content = sample()
    content["steps"][0]["fields"][0]["type"] = "colour-wheel"
    content["steps"][1]["fields"][0]["maxlen"] = 3
    content["steps"][1]["fields"][1]["id"] = "colour"
    error = refusal(content)
    assert [p.path for p in error.problems] == [
        "steps[0].fields[0].type", "steps[1].fields[0]", "steps[1].fields[1].id"]
    first, *rest = str(error).splitlines()
    assert first.startswith("sample.yaml: steps[0].fields[0].type: unknown field type 'colour-wheel' (known: ")
    assert rest == ["sample.yaml: steps[1].fields[0]: Additional properties are not allowed ('maxlen' was unexpected)",
                    "sample.yaml: steps[1].fields[1].id: field id 'colour' is used twice"]


def test_a_field_schema_problem_is_located_at_the_property():
    content = sample()
    content["steps"][1]["fields"][1]["unit"] = {"en": "cm"}
    assert [p.location for p in refusal(content).problems] == [("steps", 1, "fields", 1, "unit")]


def test_every_schema_problem_of_the_whole_definition_is_reported():
    content = sample(category="food")
    del content["title"]
    assert [p.path for p in refusal(content).problems] == ["(top level)", "category"]


def test_a_file_that_is_no_mapping_has_no_location():
    with pytest.raises(DefinitionError) as refused:
        validate(["id"], "list.yaml")
    assert refused.value.problems == (Problem(None, "the definition must be a mapping"),)
    assert str(refused.value) == "list.yaml: the definition must be a mapping"


def test_a_kinds_own_rule_is_located_at_the_key_it_names():
    assert refusal(sample(kind="certificate")).problems[0].location == ("fee",)


class ParcelKind(ProcedureKind):
    name = "test_parcel"
    content_properties = {"parcel_size": {"enum": ["small", "large"]}}


@pytest.fixture
def parcel_kind():
    KINDS.register(ParcelKind)
    yield KINDS[ParcelKind.name]
    KINDS.unregister(ParcelKind.name)


def test_a_kind_declares_its_own_definition_settings(parcel_kind):
    validate(sample(kind="test_parcel", parcel_size="small"), "sample.yaml")
    assert [p.location for p in refusal(sample(kind="test_parcel", parcel_size="huge")).problems] == [("parcel_size",)]


def test_another_kinds_settings_are_refused(parcel_kind):
    error = refusal(sample(parcel_size="small"))
    assert error.problems == (
        Problem(("parcel_size",), "'parcel_size' is a setting of kind 'test_parcel', not of kind 'generic'"),
    )


def test_a_key_nobody_declares_is_refused_as_before(parcel_kind):
    assert str(refusal(sample(parcel_weight=3))).startswith(
        "sample.yaml: (top level): Additional properties are not allowed ('parcel_weight' was unexpected)")


def test_a_kind_may_not_redefine_a_common_setting(parcel_kind):
    parcel_kind.content_properties = {"audience": {"const": "anyone"}}
    for content in (sample(kind="test_parcel"), sample()):
        with pytest.raises(ValueError, match="kind 'test_parcel' redefines 'audience'"):
            validate(content, "sample.yaml")
