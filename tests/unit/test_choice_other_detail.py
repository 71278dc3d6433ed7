"""「その他」 with its detail: an option's ``detail`` makes a text field on the same page required when it is
chosen, the message goes on that field, and every answer typed stays."""
import pytest
from werkzeug.datastructures import MultiDict

from portal.procedures.definition import Definition, DefinitionError, validate
from portal.procedures.step_controller import FieldState, require_details

PURPOSE = {"id": "purpose", "type": "choice", "label": "使いみち", "required": True,
           "options": [{"value": "work", "label": "勤務先への提出"},
                       {"value": "other", "label": "その他", "detail": "purpose_note"}]}
NOTE = {"id": "purpose_note", "type": "text", "label": "使いみちの詳細", "max_length": 100}
TOPICS = {"id": "topics", "type": "choices", "label": "分野",
          "options": [{"value": "roads", "label": "道路"},
                      {"value": "other", "label": "その他", "detail": "topic_note"}]}
TOPIC_NOTE = {"id": "topic_note", "type": "textarea", "label": "分野の内容"}


def content(*fields) -> dict:
    return {"id": "sample", "version": 1, "kind": "generic", "category": "kurashi", "title": "見本",
            "audience": "anyone", "steps": [{"id": "first", "title": "最初", "fields": list(fields)}]}


def page(definition: Definition, **posted) -> list[FieldState]:
    """Parse one page the way the journey does and apply the cross-field rule."""
    form = MultiDict([(k, item) for k, v in posted.items() for item in (v if isinstance(v, list) else [v])])
    states, values = [], {}
    for f in definition.steps[0].fields:
        parsed = f.parse(form)
        states.append(FieldState(field=f, raw=parsed.raw, errors=list(parsed.errors)))
        if parsed.value is not None:
            values[f.id] = parsed.value
    require_details([s.field for s in states], states, values)
    return states


def errors(states) -> dict:
    return {s.field.id: s.errors for s in states if s.errors}


def test_other_with_an_empty_detail_is_refused_on_the_detail_field():
    definition = Definition(content(PURPOSE, NOTE))
    states = page(definition, purpose="other", purpose_note="  ")
    assert errors(states) == {"purpose_note": ["「その他」を選んだ場合は、使いみちの詳細を入力してください"]}
    assert [s.raw for s in states] == [{"purpose": "other"}, {"purpose_note": "  "}]  # what was chosen stays


def test_other_with_a_detail_and_other_options_without_one_pass():
    definition = Definition(content(PURPOSE, NOTE))
    assert errors(page(definition, purpose="other", purpose_note="パスポートの申請")) == {}
    assert errors(page(definition, purpose="work")) == {}
    assert errors(page(definition, purpose="")) == {"purpose": ["使いみちを選んでください"]}  # no extra message


def test_a_detail_that_is_too_long_keeps_its_own_message():
    definition = Definition(content(PURPOSE, NOTE))
    assert errors(page(definition, purpose="other", purpose_note="あ" * 101)) == {
        "purpose_note": ["使いみちの詳細は100文字以内で入力してください"]}


def test_checkboxes_with_other_ask_for_the_detail_too():
    definition = Definition(content(TOPICS, TOPIC_NOTE))
    assert errors(page(definition, topics=["roads", "other"])) == {
        "topic_note": ["「その他」を選んだ場合は、分野の内容を入力してください"]}
    assert errors(page(definition, topics=["roads"])) == {}


def test_the_detail_field_knows_which_choice_makes_it_required():
    definition = Definition(content(PURPOSE, NOTE))
    assert definition.fields["purpose_note"].required_if_chosen == ["その他"]
    assert definition.fields["purpose"].required_if_chosen == []


def test_the_label_says_when_the_detail_is_required(render):
    html = render(Definition(content(PURPOSE, NOTE)).fields["purpose_note"])
    assert "使いみちの詳細（「その他」を選んだ場合は必須）" in html and "（任意）" not in html


@pytest.mark.parametrize(("fields", "expected"), [
    ((PURPOSE,), "steps[0].fields[0].options[1].detail: no field 'purpose_note' after this one in the same step"),
    ((NOTE, PURPOSE), "steps[0].fields[1].options[1].detail: no field 'purpose_note' after this one"),
    ((PURPOSE, {"id": "purpose_note", "type": "number", "label": "数"}),
     "steps[0].fields[0].options[1].detail: field 'purpose_note' must be of type text"),
    ((PURPOSE, {**NOTE, "required": True}),
     "steps[0].fields[0].options[1].detail: field 'purpose_note' must be optional"),
    ((PURPOSE, {**NOTE, "when": {"field": "purpose", "equals": "other"}}), "steps[0].fields[1].when: condition refers"),
])
def test_definitions_with_a_broken_detail_are_refused(fields, expected):
    with pytest.raises(DefinitionError) as refused:
        validate(content(*fields), "sample.yaml")
    assert expected in str(refused.value), str(refused.value)
