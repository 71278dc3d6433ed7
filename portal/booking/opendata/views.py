"""Public open-data downloads of a municipality's facilities (no sign-in: the data is published)."""
from __future__ import annotations

from flask import Response, abort, current_app, g, request

from portal import db, excel_csv
from portal.booking.opendata import export
from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("opendata", __name__, url_prefix="/opendata")

# Anyone may fetch open data, from any site's script; a short cache keeps crawlers cheap.
_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"}


def _rows():
    name = request.args.get("schema", export.DEFAULT_SCHEMA)
    if name not in export.SCHEMAS:
        abort(400)
    mapping = export.schema(name)
    return mapping, export.facility_rows(db.session(), g.municipality, mapping, current_app.config["PUBLIC_URL"])


@bp.get("/facilities.csv")
def facilities_csv():
    mapping, rows = _rows()
    filename = f"{g.municipality.code}_{mapping.file_name}.csv"
    return excel_csv.download(filename, export.to_csv(mapping, rows), _HEADERS)


@bp.get("/facilities.json")
def facilities_json():
    _mapping, rows = _rows()
    return Response(export.to_json(rows), mimetype="application/json", headers=_HEADERS)
