"""Procedure definitions: validated when loaded, with errors that name the file and the path inside it."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from portal.i18n import localized
from portal.procedures import conditions, prefill, search
from portal.procedures.fields import REGISTRY, FieldType, field_for

CATEGORIES = ("kosodate", "sumai", "shomeisho", "shisetsu", "event", "kurashi")
AUDIENCES = ("anyone", "signed_in", "residents")

TEXT = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "required": ["ja"],
            "additionalProperties": False,
            # en_one: the English singular of a counted unit (see portal.i18n.localized_count)
            "properties": {"ja": {"type": "string", "minLength": 1}, "en": {"type": "string"},
                           "en_one": {"type": "string"}},
        },
    ]
}
IDENT = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"}
COMMON_FIELD_PROPERTIES = {
    "id": IDENT,
    "type": {"type": "string"},
    "label": TEXT,
    "hint": TEXT,
    "required": {"type": "boolean"},
    "prefill": {"type": "string", "pattern": prefill.SOURCE_PATTERN},
    "locked": {"type": "boolean"},
    "when": conditions.SCHEMA,
    "width": {"enum": ["short", "medium", "full"]},
}

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "version", "kind", "category", "title", "audience", "steps"],
    "properties": {
        "id": {"type": "string", "pattern": "^[a-z][a-z0-9-]{1,78}$"},
        "version": {"type": "integer", "minimum": 1},
        "municipality": {"type": ["string", "null"]},
        "kind": {"type": "string"},
        "category": {"enum": list(CATEGORIES)},
        "title": TEXT,
        # the title's reading in kana, words apart (じゅうみんひょう の うつし): the catalogue search finds it by
        # its reading or romaji too
        "title_kana": {"type": "string", "pattern": "^[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb\u3000 ]+$"},
        "summary": TEXT,
        "description": TEXT,
        "next_steps": TEXT,
        "keywords": {"type": "array", "items": {"type": "string"}},
        "audience": {"enum": list(AUDIENCES)},
        "processing_days": {"type": "integer", "minimum": 0},
        # false: a fee paid online is not refunded automatically when the resident withdraws; staff decide
        "refund_on_withdrawal": {"type": "boolean"},
        # 個人情報の保存期間 of this procedure; the municipality's default for what is left out (portal/retention)
        "retention": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"drafts_days": {"type": "integer", "minimum": 1},
                           "submissions_years": {"type": "integer", "minimum": 1}},
        },
        "contact_email_field": IDENT,
        "applicant_name_field": IDENT,
        "fee": {
            "oneOf": [
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["rule", "amount"],
                    "properties": {"rule": {"const": "fixed"}, "amount": {"type": "integer", "minimum": 0}},
                },
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["rule", "unit_amount", "quantity_field"],
                    "properties": {
                        "rule": {"const": "per_unit"},
                        "unit_amount": {"type": "integer", "minimum": 0},
                        "quantity_field": IDENT,
                        "unit": TEXT,
                    },
                },
                {
                    # the procedure kind computes it from the answers (e.g. facility slots)
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["rule"],
                    "properties": {"rule": {"const": "kind"}, "unit": TEXT},
                },
            ]
        },
        "steps": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "title", "fields"],
                "properties": {
                    "id": IDENT,
                    "title": TEXT,
                    "description": TEXT,
                    "when": conditions.SCHEMA,
                    "fields": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["id", "type"]}},
                },
            },
        },
    },
}


class DefinitionError(ValueError):
    """A definition that must not be loaded; the message names the source and the path inside it."""


def _path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def validate(content: Any, source: str) -> None:
    if not isinstance(content, dict):
        raise DefinitionError(f"{source}: the definition must be a mapping")
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(content), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        raise DefinitionError(f"{source}: {_path(first.absolute_path)}: {first.message}")
    from portal.procedures.kinds import KINDS

    if content["kind"] not in KINDS:
        raise DefinitionError(f"{source}: kind: unknown kind {content['kind']!r} (known: {', '.join(sorted(KINDS))})")
    problem = KINDS[content["kind"]].check(content) or KINDS[content["kind"]].check_fee(content)
    if problem:
        raise DefinitionError(f"{source}: {problem}")

    seen: dict[str, str] = {}
    step_ids: set[str] = set()
    for s_index, step in enumerate(content["steps"]):
        where = f"steps[{s_index}]"
        if step["id"] in step_ids:
            raise DefinitionError(f"{source}: {where}.id: step id {step['id']!r} is used twice")
        step_ids.add(step["id"])
        _check_condition(step.get("when"), seen, source, f"{where}.when")
        earlier = dict(seen)
        for f_index, spec in enumerate(step["fields"]):
            fwhere = f"{where}.fields[{f_index}]"
            field_type = REGISTRY.get(spec.get("type"))
            if field_type is None:
                raise DefinitionError(
                    f"{source}: {fwhere}.type: unknown field type {spec.get('type')!r} "
                    f"(known: {', '.join(sorted(REGISTRY))})"
                )
            schema = {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "type", "label"],
                "properties": {**COMMON_FIELD_PROPERTIES, **field_type.spec_properties},
            }
            field_errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(spec), key=lambda e: list(e.path))
            if field_errors:
                err = field_errors[0]
                inner = _path(err.absolute_path)
                raise DefinitionError(f"{source}: {fwhere}{'.' + inner if err.absolute_path else ''}: {err.message}")
            if spec["id"] in seen:
                raise DefinitionError(f"{source}: {fwhere}.id: field id {spec['id']!r} is used twice")
            # Conditions look only at earlier steps: a page is answered as a whole, so this works without JavaScript.
            _check_condition(spec.get("when"), earlier, source, f"{fwhere}.when")
            if spec.get("locked") and not spec.get("prefill", "").startswith("identity."):
                raise DefinitionError(f"{source}: {fwhere}.locked: "
                                      "only a field prefilled from identity.* can be locked")
            seen[spec["id"]] = spec["type"]

        _check_details(step["fields"], source, where)

    for key, expected in (("contact_email_field", "email"), ("applicant_name_field", None)):
        if key in content:
            _check_reference(content[key], expected, seen, source, key)
    fee = content.get("fee")
    if fee and fee["rule"] == "per_unit":
        _check_reference(fee["quantity_field"], "number", seen, source, "fee.quantity_field")


def _check_condition(condition, known: dict, source: str, where: str) -> None:
    for name in conditions.referenced_fields(condition):
        if name not in known:
            raise DefinitionError(f"{source}: {where}: condition refers to {name!r}, which is not a field of an "
                                  "earlier step")


DETAIL_TYPES = ("text", "textarea")


def _check_details(specs: list[dict], source: str, where: str) -> None:
    """An option's ``detail`` names an optional, always shown text field that follows it on the same page."""
    for index, spec in enumerate(specs):
        for o_index, option in enumerate(spec.get("options") or []):
            name = option.get("detail")
            if not name:
                continue
            owhere = f"{where}.fields[{index}].options[{o_index}].detail"
            target = next((t for t in specs[index + 1:] if t["id"] == name), None)
            if target is None:
                raise DefinitionError(f"{source}: {owhere}: no field {name!r} after this one in the same step")
            if target["type"] not in DETAIL_TYPES:
                raise DefinitionError(f"{source}: {owhere}: field {name!r} must be of type text or textarea")
            if target.get("required") or target.get("when"):
                raise DefinitionError(f"{source}: {owhere}: field {name!r} must be optional and always shown "
                                      "(the option makes it required)")


def _check_reference(name: str, expected_type: str | None, known: dict, source: str, where: str) -> None:
    if name not in known:
        raise DefinitionError(f"{source}: {where}: no field {name!r}")
    if expected_type and known[name] != expected_type:
        raise DefinitionError(f"{source}: {where}: field {name!r} must be of type {expected_type}, not {known[name]}")


def load_file(path: Path) -> dict:
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DefinitionError(f"{path.name}: not valid YAML: {exc}") from exc
    validate(content, path.name)
    return content


def load_directory(directory: Path) -> list[tuple[Path, dict]]:
    return [(path, load_file(path)) for path in sorted(directory.glob("*.yaml"))]


def checksum(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Step:
    id: str
    spec: dict
    fields: tuple[FieldType, ...]

    @property
    def title(self) -> str:
        return localized(self.spec["title"])

    @property
    def description(self) -> str:
        return localized(self.spec.get("description"))

    def visible_fields(self, answers: dict) -> list[FieldType]:
        return [f for f in self.fields if conditions.evaluate(f.spec.get("when"), answers)]


class Definition:
    """A validated definition's content with the field objects built once."""

    def __init__(self, content: dict):
        self.content = content
        self.key: str = content["id"]
        self.version: int = content["version"]
        self.kind: str = content["kind"]
        self.audience: str = content["audience"]
        self.steps: tuple[Step, ...] = tuple(
            Step(s["id"], s, tuple(field_for(spec) for spec in s["fields"])) for s in content["steps"]
        )
        for f in self.fields.values():
            for option in f.spec.get("options") or []:
                if option.get("detail"):
                    self.fields[option["detail"]].detail_of.append((f, str(option["value"])))

    @cached_property
    def fields(self) -> dict[str, FieldType]:
        return {f.id: f for step in self.steps for f in step.fields}

    @property
    def title(self) -> str:
        return localized(self.content["title"])

    @cached_property
    def search_key(self) -> str:
        """What the catalogue search looks in: titles and summaries in every language, the reading, keywords."""
        texts = [self.content.get("title_kana", ""), *self.content.get("keywords", [])]
        for key in ("title", "summary"):
            value = self.content.get(key)
            texts.extend(value.values() if isinstance(value, dict) else [value or ""])
        return search.haystack(texts)

    def text(self, key: str) -> str:
        return localized(self.content.get(key))

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def visible_steps(self, answers: dict) -> list[Step]:
        return [s for s in self.steps if conditions.evaluate(s.spec.get("when"), answers)]

    def prune(self, answers: dict) -> dict:
        """Answers of hidden steps and fields are not kept: what the resident can't see, we don't store.

        Conditions only look at earlier steps, so one pass in order settles every one of them."""
        kept: dict = {}
        for step in self.steps:
            if not conditions.evaluate(step.spec.get("when"), kept):
                continue
            for f in step.fields:
                if f.id in answers and conditions.evaluate(f.spec.get("when"), kept):
                    kept[f.id] = answers[f.id]
        return kept
