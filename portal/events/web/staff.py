"""Events in the back office: each event's sessions with their participants (名簿 A4 and CSV).
URLs: /<municipality>/backoffice/events/…"""
from __future__ import annotations

from flask import abort

from portal.staff.auth import staff_required
from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("events_staff", __name__, url_prefix="/backoffice/events", template_folder="../templates")


@bp.get("")
@staff_required()
def index():
    """Replaced by the staff's event list (placeholder of the skeleton)."""
    return ""


@bp.get("/<int:event_id>")
@staff_required()
def event(event_id: int):
    """Replaced by the event's sessions with their counts (placeholder of the skeleton)."""
    abort(404)


@bp.get("/sessions/<int:session_id>")
@staff_required()
def session(session_id: int):
    """Replaced by the session's participant list (placeholder of the skeleton)."""
    abort(404)
