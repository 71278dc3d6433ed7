import pytest

from portal.procedures.conditions import evaluate, referenced_fields

ANSWERS = {"who": "agent", "extras": ["honseki", "head"], "phone": "", "copies": 2}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (None, True),
        ({"field": "who", "equals": "agent"}, True),
        ({"field": "who", "equals": "self"}, False),
        ({"field": "who", "not_equals": "self"}, True),
        ({"field": "who", "in": ["household", "agent"]}, True),
        ({"field": "who", "in": ["self"]}, False),
        ({"field": "extras", "contains": "honseki"}, True),
        ({"field": "extras", "contains": "history"}, False),
        ({"field": "who", "contains": "agent"}, False),  # contains is for lists only
        ({"field": "phone", "filled": True}, False),
        ({"field": "phone", "filled": False}, True),
        ({"field": "missing", "filled": False}, True),
        ({"field": "copies", "equals": 2}, True),
        ({"all": [{"field": "who", "equals": "agent"}, {"field": "copies", "equals": 2}]}, True),
        ({"all": [{"field": "who", "equals": "agent"}, {"field": "copies", "equals": 3}]}, False),
        ({"any": [{"field": "who", "equals": "self"}, {"field": "copies", "equals": 2}]}, True),
        ({"not": {"field": "who", "equals": "agent"}}, False),
    ],
)
def test_evaluate(condition, expected):
    assert evaluate(condition, ANSWERS) is expected


def test_referenced_fields_walks_combinators():
    condition = {"all": [{"field": "a", "equals": 1},
                         {"not": {"any": [{"field": "b", "filled": True}, {"field": "c", "in": [1]}]}}]}
    assert referenced_fields(condition) == {"a", "b", "c"}


def test_unknown_test_is_an_error_not_a_silent_false():
    with pytest.raises(ValueError):
        evaluate({"field": "who", "resembles": "agent"}, ANSWERS)
