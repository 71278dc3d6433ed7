"""Municipalities are looked up by slug once per process and period; a change made here is seen at once."""
from __future__ import annotations

from sqlalchemy import select

from portal.tenancy import scope
from portal.tenancy.models import Municipality


def test_a_changed_municipality_shows_at_once(db, client):
    client.get("/ichinomiya/")  # remembered now
    city = db.scalar(select(Municipality).where(Municipality.slug == "ichinomiya"))
    city.contact_phone = "0586-99-0000"
    db.commit()
    assert "0586-99-0000" in client.get("/ichinomiya/").get_data(as_text=True)


def test_the_remembered_row_belongs_to_the_request(app, db, client):
    client.get("/ichinomiya/")
    with app.test_request_context("/ichinomiya/"):
        from portal import db as portal_db

        session = portal_db.session()
        city = scope.municipality_by_slug(session, "ichinomiya")
        assert city in session and not session.dirty
        assert scope.municipality_by_slug(session, "ichinomiya") is city
        city.contact_phone = "0586-11-2222"  # an ordinary change through the request's session is saved
        session.commit()
    assert db.scalar(select(Municipality.contact_phone).where(Municipality.slug == "ichinomiya")) == "0586-11-2222"


def test_unknown_slugs_are_404_and_not_remembered(client):
    for slug in ("nowhere", "nowhere2"):
        assert client.get(f"/{slug}/").status_code == 404
        assert slug not in scope._by_slug
