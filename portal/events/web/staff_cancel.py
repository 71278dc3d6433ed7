"""Staff cancel a session or a whole event: every participant is told in their language, paid fees are refunded
through the payment flow, and those without email are listed to phone. Routes on the ``events_staff`` blueprint."""
from __future__ import annotations

from flask import abort

from portal.events.web.staff import bp
from portal.staff.auth import staff_required


@bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@staff_required()
def cancel_session(session_id: int):
    """Replaced by cancelling a session (placeholder of the skeleton)."""
    abort(404)


@bp.route("/<int:event_id>/cancel", methods=["GET", "POST"])
@staff_required()
def cancel_event(event_id: int):
    """Replaced by cancelling the event (placeholder of the skeleton)."""
    abort(404)
