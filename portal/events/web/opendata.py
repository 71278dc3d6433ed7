"""イベント一覧 as open data: /<municipality>/opendata/events.csv and .json (no sign-in: the data is published)."""
from __future__ import annotations

from flask import Response, current_app, g

from portal import db, excel_csv
from portal.events import opendata
from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("events_opendata", __name__, url_prefix="/opendata")

# Anyone may fetch open data, from any site's script; a short cache keeps crawlers cheap.
_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"}


def _rows():
    return opendata.event_rows(db.session(), g.municipality, current_app.config["PUBLIC_URL"])


@bp.get("/events.csv")
def events_csv():
    filename = f"{g.municipality.code}_{opendata.FILE_NAME}.csv"
    return excel_csv.download(filename, opendata.to_csv(_rows()), _HEADERS)


@bp.get("/events.json")
def events_json():
    return Response(opendata.to_json(_rows()), mimetype="application/json", headers=_HEADERS)
