"""Tenant resolution for URLs under ``/<municipality>/`` and queries that cannot forget the tenant."""
from __future__ import annotations

from flask import Blueprint, abort, g
from sqlalchemy import bindparam, select

from portal import db
from portal.tenancy.models import Municipality


# Built once: every request under /<municipality>/ runs it, and building a statement costs as much as running it.
_BY_SLUG = select(Municipality).where(Municipality.slug == bindparam("slug"))


def tenant_blueprint(name: str, import_name: str, url_prefix: str = "", **kwargs) -> Blueprint:
    """A blueprint whose every URL starts with ``/<municipality>`` and sets ``g.municipality``."""
    bp = Blueprint(name, import_name, url_prefix=f"/<municipality>{url_prefix}", **kwargs)

    @bp.url_value_preprocessor
    def _load(_endpoint, values):
        slug = values.pop("municipality", None) if values else None
        municipality = db.session().scalar(_BY_SLUG, {"slug": slug})
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
