"""One way to publish a definition version: validated, checksummed, stored once, never changed."""
from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from portal.procedures.definition import DefinitionError, Problem
from portal.procedures.models import FormDefinition
from portal.procedures.publishing import PUBLISHED_CALLBACKS, on_published, publish
from portal.tenancy.models import Municipality


def content(**overrides) -> dict:
    value = {
        "id": "pet-register", "version": 1, "kind": "generic", "category": "kurashi", "title": "犬の登録",
        "audience": "anyone",
        "steps": [{"id": "dog", "title": "犬", "fields": [{"id": "name", "type": "text", "label": "名前"}]}],
    }
    value.update(overrides)
    return value


def stored(db, key="pet-register") -> list[FormDefinition]:
    return list(db.scalars(select(FormDefinition).where(FormDefinition.key == key).order_by(FormDefinition.version)))


def ichinomiya(db) -> Municipality:
    return db.scalar(select(Municipality).where(Municipality.slug == "ichinomiya"))


def test_a_new_version_is_stored(db):
    published = publish(db, content(), source="builder", municipality=None)
    assert published.created
    row = published.definition
    assert stored(db) == [row]
    assert (row.key, row.version, row.kind, row.municipality_id, row.source) == (
        "pet-register", 1, "generic", None, "builder")
    assert row.content == content() and len(row.checksum) == 64


def test_the_same_content_again_adds_no_row(db):
    first = publish(db, content(), source="builder", municipality=None)
    again = publish(db, copy.deepcopy(content()), source="forms/pet.yaml", municipality=None)
    assert not again.created and again.definition.id == first.definition.id
    assert db.scalar(select(func.count()).select_from(FormDefinition).where(FormDefinition.key == "pet-register")) == 1


def test_changed_content_under_a_published_version_is_refused(db):
    publish(db, content(), source="builder", municipality=None)
    with pytest.raises(DefinitionError, match="already published with different content") as refused:
        publish(db, content(title="猫の登録"), source="builder", municipality=None)
    assert refused.value.problems[0].location == ("version",)
    assert [row.content["title"] for row in stored(db)] == ["犬の登録"]


def test_a_raised_version_is_a_new_row_and_the_old_one_stays(db):
    publish(db, content(), source="builder", municipality=None)
    publish(db, content(version=2, title="猫の登録"), source="builder", municipality=None)
    assert [(row.version, row.content["title"]) for row in stored(db)] == [(1, "犬の登録"), (2, "猫の登録")]


def test_an_invalid_definition_is_refused_with_every_problem_and_nothing_is_stored(db):
    broken = content()
    broken["steps"][0]["fields"].append({"id": "name", "type": "text", "label": "名前", "when": {"field": "x",
                                                                                               "filled": True}})
    with pytest.raises(DefinitionError) as refused:
        publish(db, broken, source="builder", municipality=None)
    assert [p.path for p in refused.value.problems] == ["steps[0].fields[1].id", "steps[0].fields[1].when"]
    assert stored(db) == []


def test_a_municipalitys_definition_names_it_in_its_content(db):
    town = ichinomiya(db)
    row = publish(db, content(), source="builder", municipality=town).definition
    assert row.municipality_id == town.id and row.content["municipality"] == "ichinomiya"
    assert not publish(db, content(municipality="ichinomiya"), source="f.yaml", municipality=town).created


def test_a_definition_naming_another_municipality_is_refused(db):
    with pytest.raises(DefinitionError) as refused:
        publish(db, content(municipality="anjo"), source="builder", municipality=ichinomiya(db))
    assert refused.value.problems == (
        Problem(("municipality",), "the definition names 'anjo' but is published for 'ichinomiya'"),)
    with pytest.raises(DefinitionError, match="names 'anjo' but is published for every municipality"):
        publish(db, content(municipality="anjo"), source="builder", municipality=None)


def test_the_same_version_for_another_municipality_is_refused(db):
    publish(db, content(), source="builder", municipality=None)
    with pytest.raises(DefinitionError, match="already published with different content"):
        publish(db, content(), source="builder", municipality=ichinomiya(db))


def test_callbacks_hear_of_each_new_version_only(db):
    heard = []

    def remember(session, definition):
        heard.append((session, definition.key, definition.version))

    on_published(remember)
    try:
        publish(db, content(), source="builder", municipality=None)
        publish(db, content(), source="builder", municipality=None)
    finally:
        PUBLISHED_CALLBACKS.remove(remember)
    assert heard == [(db, "pet-register", 1)]
