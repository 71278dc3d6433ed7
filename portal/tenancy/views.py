from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, g, render_template, request
from sqlalchemy import select

from portal import db, page_cache
from portal.procedures.catalogue import definitions_of, latest_versions, matches
from portal.procedures.categories import ordered as ordered_categories
from portal.procedures.kinds import KINDS
from portal.tenancy.models import Municipality
from portal.tenancy.scope import tenant_blueprint

bp = Blueprint("tenancy", __name__, template_folder="templates")
municipal = tenant_blueprint("municipal", __name__, template_folder="templates")


@bp.get("/")
def home():
    municipalities = db.session().scalars(select(Municipality).order_by(Municipality.code)).all()
    return render_template("tenancy/home.html", municipalities=municipalities)


@municipal.get("/")
def catalogue():
    query = request.args.get("q", "").strip()
    grouped = defaultdict(list)
    rows = latest_versions(db.session(), g.municipality)
    for row, definition in zip(rows, definitions_of(db.session(), rows)):
        if KINDS[definition.content["kind"]].in_catalogue and matches(definition, query):
            grouped[definition.content["category"]].append((row, definition))
    sections = [
        (category.key, category.label, sorted(grouped[category.key], key=lambda item: item[1].title))
        for category in ordered_categories()
        if grouped.get(category.key)
    ]
    page_cache.share(page_cache.DEFINITION_SECONDS)
    return render_template("tenancy/catalogue.html", sections=sections, query=query)
