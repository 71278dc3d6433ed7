"""イベント一覧 as open data: /<municipality>/opendata/events.csv and .json (no sign-in: the data is published)."""
from __future__ import annotations

from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("events_opendata", __name__, url_prefix="/opendata")
