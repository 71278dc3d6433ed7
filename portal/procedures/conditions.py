"""A small declarative condition language for showing steps and fields, evaluated on the server.

    {field: requester, equals: agent}
    {field: requester, in: [household, agent]}
    {field: extras, contains: honseki}        # for multiple choice answers
    {field: phone, filled: true}
    {all: [...]}, {any: [...]}, {not: {...}}

Never ``eval``: a condition is data, so a definition file cannot run code.
"""
from __future__ import annotations

from typing import Any

FIELD_TESTS = ("equals", "not_equals", "in", "contains", "filled")


def evaluate(condition: dict | None, answers: dict[str, Any]) -> bool:
    if condition is None:
        return True
    if "all" in condition:
        return all(evaluate(c, answers) for c in condition["all"])
    if "any" in condition:
        return any(evaluate(c, answers) for c in condition["any"])
    if "not" in condition:
        return not evaluate(condition["not"], answers)
    value = answers.get(condition["field"])
    if "equals" in condition:
        return value == condition["equals"]
    if "not_equals" in condition:
        return value != condition["not_equals"]
    if "in" in condition:
        return value in condition["in"]
    if "contains" in condition:
        return isinstance(value, list) and condition["contains"] in value
    if "filled" in condition:
        return (value not in (None, "", [], {})) == bool(condition["filled"])
    raise ValueError(f"unknown condition {condition!r}")


def referenced_fields(condition: dict | None) -> set[str]:
    if condition is None:
        return set()
    for combinator in ("all", "any"):
        if combinator in condition:
            return set().union(*(referenced_fields(c) for c in condition[combinator]))
    if "not" in condition:
        return referenced_fields(condition["not"])
    return {condition["field"]}


SCHEMA: dict = {
    "$id": "condition",
    "oneOf": [
        {
            "type": "object",
            "required": ["all"],
            "additionalProperties": False,
            "properties": {"all": {"type": "array", "minItems": 1, "items": {"$ref": "#"}}},
        },
        {
            "type": "object",
            "required": ["any"],
            "additionalProperties": False,
            "properties": {"any": {"type": "array", "minItems": 1, "items": {"$ref": "#"}}},
        },
        {
            "type": "object",
            "required": ["not"],
            "additionalProperties": False,
            "properties": {"not": {"$ref": "#"}},
        },
        {
            "type": "object",
            "required": ["field"],
            "additionalProperties": False,
            "minProperties": 2,
            "maxProperties": 2,
            "properties": {
                "field": {"type": "string"},
                "equals": {},
                "not_equals": {},
                "in": {"type": "array"},
                "contains": {},
                "filled": {"type": "boolean"},
            },
        },
    ],
}
