"""An event lottery's published record: the seed's commitment before the draw, the seed and the result after it,
enough to re-run the draw. Routes on the ``events`` blueprint."""
from __future__ import annotations

from flask import abort

from portal.events.web.resident import bp


@bp.get("/<slug>/draw")
def draw_record(slug: str):
    """Replaced by the published record (placeholder of the skeleton)."""
    abort(404)
