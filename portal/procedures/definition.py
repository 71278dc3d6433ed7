"""Procedure definitions: validated when loaded, with errors that name the file and the path inside it."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from portal.i18n import localized
from portal.procedures import conditions, prefill, search
from portal.procedures.categories import ordered as ordered_categories
from portal.procedures.fields import REGISTRY, FieldType, field_for
from portal.procedures.localized_text import LOCALIZED_TEXT

AUDIENCES = ("anyone", "signed_in", "residents")

IDENT = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"}
COMMON_FIELD_PROPERTIES = {
    "id": IDENT,
    "type": {"type": "string"},
    "label": LOCALIZED_TEXT,
    "hint": LOCALIZED_TEXT,
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
        "category": {"type": "string"},  # one of the registered categories: see _schema_for
        "title": LOCALIZED_TEXT,
        # the title's reading in kana, words apart (じゅうみんひょう の うつし): the catalogue search finds it by
        # its reading or romaji too
        "title_kana": {"type": "string", "pattern": "^[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb\u3000 ]+$"},
        "summary": LOCALIZED_TEXT,
        "description": LOCALIZED_TEXT,
        "next_steps": LOCALIZED_TEXT,
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
                        "unit": LOCALIZED_TEXT,
                    },
                },
                {
                    # the procedure kind computes it from the answers (e.g. facility slots)
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["rule"],
                    "properties": {"rule": {"const": "kind"}, "unit": LOCALIZED_TEXT},
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
                    "title": LOCALIZED_TEXT,
                    "description": LOCALIZED_TEXT,
                    "when": conditions.SCHEMA,
                    "fields": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["id", "type"]}},
                },
            },
        },
    },
}


PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition: where in the content (None: the file as a whole) and what."""

    location: tuple[str | int, ...] | None
    message: str

    @property
    def path(self) -> str | None:
        """The location as the loader writes it: ``steps[2].fields[0].when``; ``(top level)`` for the mapping."""
        if self.location is None:
            return None
        out = ""
        for part in self.location:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out or "(top level)"

    def describe(self, source: str) -> str:
        return f"{source}: {self.message}" if self.location is None else f"{source}: {self.path}: {self.message}"


def _parse_path(path: str) -> tuple[str | int, ...]:
    return tuple(int(index) if index else key for key, index in PATH_PART.findall(path))


class DefinitionError(ValueError):
    """A definition that must not be loaded, with every problem found; ``str`` names the source and the path
    inside it, one problem a line."""

    def __init__(self, source: str, problems: list[Problem] | tuple[Problem, ...]):
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(problem.describe(source) for problem in self.problems))


def validate(content: Any, source: str) -> None:
    problems = list(_problems(content))
    if problems:
        raise DefinitionError(source, problems)


def _schema_problems(schema: dict, instance: Any, prefix: tuple = ()) -> list[Problem]:
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(instance), key=lambda e: list(e.path))
    return [Problem(prefix + tuple(error.absolute_path), error.message) for error in errors]


def _check_kind_settings(kinds: dict) -> None:
    for kind in kinds.values():
        clash = sorted(kind.content_properties.keys() & SCHEMA["properties"].keys())
        if clash:
            raise ValueError(f"kind {kind.name!r} redefines {', '.join(map(repr, clash))}: a kind only adds settings")


def _schema_for(kind) -> dict:
    """The definition schema for one kind: the common settings, the registered categories, the kind's own."""
    own = kind.content_properties if kind is not None else {}
    categories = {"enum": [category.key for category in ordered_categories()]}
    return {**SCHEMA, "properties": {**SCHEMA["properties"], "category": categories, **own}}


def _other_kinds_settings(content: dict, kind, kinds: dict) -> list[Problem]:
    """Keys another kind declares are refused by name, rather than as just unexpected."""
    own = kind.content_properties if kind is not None else {}
    owners: dict[str, list[str]] = {}
    for other in kinds.values():
        for key in other.content_properties:
            if other is not kind and key in content and key not in own:
                owners.setdefault(key, []).append(other.name)
    return [
        Problem((key,), f"{key!r} is a setting of kind {', '.join(map(repr, sorted(names)))}, "
                        f"not of kind {content.get('kind')!r}")
        for key, names in owners.items()
    ]


def _problems(content: Any):
    if not isinstance(content, dict):
        yield Problem(None, "the definition must be a mapping")
        return
    from portal.procedures.kinds import KINDS

    _check_kind_settings(KINDS)
    kind = KINDS.get(content["kind"]) if isinstance(content.get("kind"), str) else None
    foreign = _other_kinds_settings(content, kind, KINDS)
    foreign_keys = {problem.location[0] for problem in foreign}
    checked = {key: value for key, value in content.items() if key not in foreign_keys}
    found = sorted(foreign + _schema_problems(_schema_for(kind), checked), key=lambda p: list(p.location))
    if found:
        yield from found
        return
    if kind is None:
        yield Problem(("kind",), f"unknown kind {content['kind']!r} (known: {', '.join(sorted(KINDS))})")
    else:
        for message in (kind.check(content), kind.check_fee(content)):
            if message:
                # a kind's rule names the key it is about first, as the loader's own messages do
                where, _, what = message.partition(": ")
                yield Problem(_parse_path(where), what) if what else Problem(None, message)

    seen: dict[str, str] = {}
    step_ids: set[str] = set()
    for s_index, step in enumerate(content["steps"]):
        where = ("steps", s_index)
        if step["id"] in step_ids:
            yield Problem(where + ("id",), f"step id {step['id']!r} is used twice")
        step_ids.add(step["id"])
        yield from _condition_problems(step.get("when"), seen, where + ("when",))
        earlier = dict(seen)
        step_is_sound = True
        for f_index, spec in enumerate(step["fields"]):
            field_problems = list(_field_problems(spec, earlier, seen, where + ("fields", f_index)))
            yield from field_problems
            step_is_sound = step_is_sound and not field_problems
            if isinstance(spec["id"], str):
                seen.setdefault(spec["id"], spec["type"])
        if step_is_sound:
            yield from _detail_problems(step["fields"], where)

    for key, expected in (("contact_email_field", "email"), ("applicant_name_field", None)):
        if key in content:
            yield from _reference_problems(content[key], expected, seen, (key,))
    fee = content.get("fee")
    if fee and fee["rule"] == "per_unit":
        yield from _reference_problems(fee["quantity_field"], "number", seen, ("fee", "quantity_field"))


def _field_problems(spec: dict, earlier: dict, seen: dict, where: tuple):
    field_type = REGISTRY.get(spec["type"]) if isinstance(spec["type"], str) else None
    if field_type is None:
        yield Problem(where + ("type",), f"unknown field type {spec['type']!r} (known: {', '.join(sorted(REGISTRY))})")
        return
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "type", "label"],
        "properties": {**COMMON_FIELD_PROPERTIES, **field_type.spec_properties},
    }
    schema_problems = _schema_problems(schema, spec, where)
    if schema_problems:
        yield from schema_problems
        return
    if spec["id"] in seen:
        yield Problem(where + ("id",), f"field id {spec['id']!r} is used twice")
    # Conditions look only at earlier steps: a page is answered as a whole, so this works without JavaScript.
    yield from _condition_problems(spec.get("when"), earlier, where + ("when",))
    if spec.get("locked") and not spec.get("prefill", "").startswith("identity."):
        yield Problem(where + ("locked",), "only a field prefilled from identity.* can be locked")


def _condition_problems(condition, known: dict, where: tuple):
    for name in conditions.referenced_fields(condition):
        if name not in known:
            yield Problem(where, f"condition refers to {name!r}, which is not a field of an earlier step")


DETAIL_TYPES = ("text", "textarea")


def _detail_problems(specs: list[dict], where: tuple):
    """An option's ``detail`` names an optional, always shown text field that follows it on the same page."""
    for index, spec in enumerate(specs):
        for o_index, option in enumerate(spec.get("options") or []):
            name = option.get("detail")
            if not name:
                continue
            owhere = where + ("fields", index, "options", o_index, "detail")
            target = next((t for t in specs[index + 1:] if t["id"] == name), None)
            if target is None:
                yield Problem(owhere, f"no field {name!r} after this one in the same step")
            elif target["type"] not in DETAIL_TYPES:
                yield Problem(owhere, f"field {name!r} must be of type text or textarea")
            elif target.get("required") or target.get("when"):
                yield Problem(owhere, f"field {name!r} must be optional and always shown "
                                      "(the option makes it required)")


def _reference_problems(name: str, expected_type: str | None, known: dict, where: tuple):
    if name not in known:
        yield Problem(where, f"no field {name!r}")
    elif expected_type and known[name] != expected_type:
        yield Problem(where, f"field {name!r} must be of type {expected_type}, not {known[name]}")


def read_file(path: Path) -> Any:
    """The file's YAML, not yet validated."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DefinitionError(path.name, [Problem(None, f"not valid YAML: {exc}")]) from exc


def load_file(path: Path) -> dict:
    content = read_file(path)
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
