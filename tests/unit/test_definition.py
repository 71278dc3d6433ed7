"""Definitions are validated at load: a bad file fails with its name and the path inside it."""
from pathlib import Path

import pytest
import yaml

from portal.procedures.definition import Definition, DefinitionError, load_directory, load_file, validate

FORMS = Path(__file__).resolve().parents[2] / "forms"


def minimal(**overrides) -> dict:
    content = {
        "id": "sample",
        "version": 1,
        "kind": "generic",
        "category": "kurashi",
        "title": {"ja": "見本", "en": "Sample"},
        "audience": "anyone",
        "steps": [
            {
                "id": "first",
                "title": "最初",
                "fields": [
                    {"id": "colour", "type": "choice", "label": "色", "required": True,
                     "options": [{"value": "red", "label": "赤"}, {"value": "blue", "label": "青"}]},
                ],
            },
            {
                "id": "second",
                "title": "次",
                "when": {"field": "colour", "equals": "red"},
                "fields": [{"id": "shade", "type": "text", "label": "濃さ"}],
            },
        ],
    }
    content.update(overrides)
    return content


def test_every_shipped_definition_is_valid():
    loaded = load_directory(FORMS)
    assert {content["id"] for _, content in loaded} >= {"juminhyo", "ichinomiya-dog-death", "consultation"}


def test_minimal_definition_is_valid():
    validate(minimal(), "sample.yaml")


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda c: c.pop("title"), "sample.yaml: (top level): 'title' is a required property"),
        (lambda c: c.update(category="food"), "sample.yaml: category: 'food' is not one of"),
        (lambda c: c.update(kind="lottery"), "sample.yaml: kind: unknown kind 'lottery'"),
        (lambda c: c["steps"][0]["fields"][0].update(type="colour-wheel"),
         "sample.yaml: steps[0].fields[0].type: unknown field type 'colour-wheel'"),
        (lambda c: c["steps"][1]["fields"][0].update(maxlen=3),
         "sample.yaml: steps[1].fields[0]: Additional properties are not allowed ('maxlen' was unexpected)"),
        (lambda c: c["steps"][1]["fields"][0].update(id="colour"),
         "sample.yaml: steps[1].fields[0].id: field id 'colour' is used twice"),
        (lambda c: c["steps"][1].update(id="first"), "sample.yaml: steps[1].id: step id 'first' is used twice"),
        (lambda c: c["steps"][0].update(when={"field": "shade", "filled": True}),
         "sample.yaml: steps[0].when: condition refers to 'shade', which is not a field of an earlier step"),
        (lambda c: c["steps"][1]["fields"][0].update(when={"field": "nothing", "equals": 1}),
         "sample.yaml: steps[1].fields[0].when: condition refers to 'nothing'"),
        (lambda c: c["steps"][1]["fields"][0].update(when={"field": "colour", "resembles": "red"}),
         "sample.yaml: steps[1].fields[0].when"),
        (lambda c: c["steps"][1]["fields"][0].update(locked=True),
         "sample.yaml: steps[1].fields[0].locked: only a field prefilled from identity.* can be locked"),
        (lambda c: c["steps"][1]["fields"][0].update(prefill="identity.mynumber"),
         "sample.yaml: steps[1].fields[0].prefill: 'identity.mynumber' does not match"),
        (lambda c: c.update(fee={"rule": "per_unit", "unit_amount": 300, "quantity_field": "shade"}),
         "sample.yaml: fee.quantity_field: field 'shade' must be of type number, not text"),
        (lambda c: c.update(contact_email_field="missing"), "sample.yaml: contact_email_field: no field 'missing'"),
        (lambda c: c.update(kind="certificate"), "sample.yaml: fee: a certificate procedure must declare its fee"),
    ],
)
def test_errors_name_the_file_and_the_path(mutate, expected):
    content = minimal()
    mutate(content)
    with pytest.raises(DefinitionError) as excinfo:
        validate(content, "sample.yaml")
    assert str(excinfo.value).startswith(expected), str(excinfo.value)


def test_load_file_reports_yaml_syntax_errors(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match="^broken.yaml: not valid YAML"):
        load_file(path)


def test_load_file_round_trip(tmp_path):
    path = tmp_path / "sample.yaml"
    path.write_text(yaml.safe_dump(minimal(), allow_unicode=True), encoding="utf-8")
    assert load_file(path)["id"] == "sample"


def test_hidden_steps_and_their_answers_are_pruned():
    definition = Definition(minimal())
    assert [s.id for s in definition.visible_steps({"colour": "red"})] == ["first", "second"]
    assert [s.id for s in definition.visible_steps({"colour": "blue"})] == ["first"]
    assert definition.prune({"colour": "blue", "shade": "dark"}) == {"colour": "blue"}
    assert definition.prune({"colour": "red", "shade": "dark"}) == {"colour": "red", "shade": "dark"}
