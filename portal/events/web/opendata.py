"""イベント一覧 as open data: /<municipality>/opendata/events.csv and .json (no sign-in: the data is published)."""
from __future__ import annotations

from flask import abort

from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("events_opendata", __name__, url_prefix="/opendata")


@bp.get("/events.csv")
def events_csv():
    """Replaced by the CSV (placeholder of the skeleton)."""
    abort(404)


@bp.get("/events.json")
def events_json():
    """Replaced by the JSON (placeholder of the skeleton)."""
    abort(404)
