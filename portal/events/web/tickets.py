"""A registration's ticket: the QR code (a signed opaque token) and a calendar file per session. Routes on the
``events`` blueprint."""
from __future__ import annotations

from flask import abort

from portal.events.web.resident import bp


@bp.get("/registrations/<reference>/ticket")
def ticket(reference: str):
    """Replaced by the ticket page (placeholder of the skeleton)."""
    abort(404)


@bp.get("/registrations/<reference>/sessions/<int:session_id>.ics")
def ics(reference: str, session_id: int):
    """Replaced by the session's calendar file (placeholder of the skeleton)."""
    abort(404)
