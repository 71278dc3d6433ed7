"""Categories are data: features add theirs, the definition schema and the catalogue read the registry."""
import pytest

from portal.procedures.categories import CATEGORIES, ordered, register_category
from portal.procedures.definition import DefinitionError, validate


def sample(category: str) -> dict:
    return {"id": "sample", "version": 1, "kind": "generic", "category": category, "title": "見本",
            "audience": "anyone",
            "steps": [{"id": "s", "title": "s", "fields": [{"id": "a", "type": "text", "label": "A"}]}]}


@pytest.fixture
def allotments():
    yield register_category("allotments", "市民農園", 45)
    del CATEGORIES["allotments"]


def test_the_catalogue_order_of_the_portals_categories():
    import portal.events  # noqa: F401  (the events feature adds its category)

    assert [c.key for c in ordered()] == ["kosodate", "sumai", "shomeisho", "shisetsu", "event", "kurashi"]


def test_a_registered_category_can_be_named_and_comes_in_its_order(allotments):
    validate(sample("allotments"), "sample.yaml")
    keys = [c.key for c in ordered()]
    assert keys.index("shisetsu") < keys.index("allotments") < keys.index("kurashi")


def test_an_unknown_category_is_refused():
    with pytest.raises(DefinitionError, match="^sample.yaml: category: 'allotments' is not one of"):
        validate(sample("allotments"), "sample.yaml")


def test_a_category_is_registered_once(allotments):
    with pytest.raises(ValueError, match="already registered"):
        register_category("allotments", "市民農園", 46)
