"""The catalogue lists procedures under the registered categories, in the registry's order and language."""
from __future__ import annotations

import re

import pytest

from portal.procedures.categories import CATEGORIES, register_category
from portal.procedures.publishing import publish
from tests.integration.helpers import switch_language


def headings(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<h2 id="cat-([a-z_]+)">([^<]+)</h2>', page)


@pytest.fixture
def allotments():
    register_category("allotments", "市民農園", 35)
    yield
    del CATEGORIES["allotments"]


def test_sections_come_in_order_with_their_labels(client):
    assert headings(client.get("/ichinomiya/").get_data(as_text=True)) == [
        ("shomeisho", "証明書"), ("shisetsu", "施設"), ("kurashi", "くらし・ご意見")]
    switch_language(client, "en")
    assert headings(client.get("/ichinomiya/").get_data(as_text=True)) == [
        ("shomeisho", "Certificates"), ("shisetsu", "Facilities"), ("kurashi", "Daily life and feedback")]


def test_a_features_category_has_its_own_section(client, db, allotments):
    publish(db, {"id": "allotment-lease", "version": 1, "kind": "generic", "category": "allotments",
                 "title": "市民農園の利用申込", "audience": "anyone",
                 "steps": [{"id": "plot", "title": "区画",
                            "fields": [{"id": "plot", "type": "text", "label": "区画"}]}]},
            source="builder", municipality=None)
    db.commit()
    page = client.get("/ichinomiya/").get_data(as_text=True)
    assert headings(page) == [("shomeisho", "証明書"), ("allotments", "市民農園"), ("shisetsu", "施設"),
                              ("kurashi", "くらし・ご意見")]
    assert "市民農園の利用申込" in page
