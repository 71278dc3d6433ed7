"""Residents' side of events: the list and month calendar with filters, and an event's page — links and forms
only, no JavaScript needed."""
from __future__ import annotations

from flask import abort

from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("events", __name__, url_prefix="/events", template_folder="../templates")


@bp.get("")
def index():
    """Replaced by the list and calendar (placeholder of the skeleton)."""
    return ""


@bp.get("/<slug>")
def detail(slug: str):
    """Replaced by the event's page (placeholder of the skeleton)."""
    abort(404)
