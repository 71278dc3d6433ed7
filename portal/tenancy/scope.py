"""Tenant resolution for URLs under ``/<municipality>/`` and queries that cannot forget the tenant."""
from __future__ import annotations

import time
from itertools import chain

from flask import Blueprint, abort, g
from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from portal import db
from portal.tenancy.models import Municipality

# Municipalities all but never change (a name, a contact phone), and every page under /<municipality>/ needs
# one: each process keeps their columns for this long. A change made in this process is seen at once (see
# _forget_changed); other processes see it within this time.
MUNICIPALITY_TTL_SECONDS = 30.0
_COLUMNS = tuple(column.key for column in Municipality.__mapper__.column_attrs)
_BY_SLUG = select(Municipality).where(Municipality.slug == bindparam("slug"))
_by_slug: dict[str, tuple[float, dict]] = {}


def municipality_by_slug(session: Session, slug: str) -> Municipality | None:
    """The municipality as a row of ``session`` (so relationships and changes work as usual), read from the
    database at most once per ``MUNICIPALITY_TTL_SECONDS``; unknown slugs are never remembered."""
    cached = _by_slug.get(slug)
    if cached is not None and cached[0] > time.monotonic():
        present = session.identity_map.get(identity_key(Municipality, cached[1]["id"]))
        if present is not None:
            return present
        municipality = Municipality(**cached[1])
        make_transient_to_detached(municipality)  # as if just loaded: no pending change, no query
        session.add(municipality)
        return municipality
    municipality = session.scalar(_BY_SLUG, {"slug": slug})
    if municipality is not None:
        _by_slug[slug] = (time.monotonic() + MUNICIPALITY_TTL_SECONDS,
                          {key: getattr(municipality, key) for key in _COLUMNS})
    return municipality


@event.listens_for(Session, "after_flush")
def _forget_changed(session: Session, _context) -> None:
    if any(isinstance(o, Municipality) for o in chain(session.new, session.dirty, session.deleted)):
        _by_slug.clear()


def tenant_blueprint(name: str, import_name: str, url_prefix: str = "", **kwargs) -> Blueprint:
    """A blueprint whose every URL starts with ``/<municipality>`` and sets ``g.municipality``."""
    bp = Blueprint(name, import_name, url_prefix=f"/<municipality>{url_prefix}", **kwargs)

    @bp.url_value_preprocessor
    def _load(_endpoint, values):
        slug = values.pop("municipality", None) if values else None
        municipality = municipality_by_slug(db.session(), slug) if slug else None
        if municipality is None:
            abort(404)
        g.municipality = municipality

    @bp.url_defaults
    def _default(_endpoint, values):
        if "municipality" not in values and getattr(g, "municipality", None) is not None:
            values["municipality"] = g.municipality.slug

    return bp


def current_municipality() -> Municipality:
    return g.municipality


def of_municipality(model, municipality: Municipality | None = None):
    """``select(model)`` limited to one municipality's rows (the current one by default)."""
    municipality = municipality or current_municipality()
    return select(model).where(model.municipality_id == municipality.id)
