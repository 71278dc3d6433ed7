"""受付 (check-in) on a staff phone: read the ticket's QR code or type the 受付番号, search by name, walk-ins, live
counts. Routes on the ``events_staff`` blueprint."""
from __future__ import annotations

from flask import abort

from portal.events.web.staff import bp
from portal.staff.auth import staff_required


@bp.route("/sessions/<int:session_id>/checkin", methods=["GET", "POST"])
@staff_required()
def checkin(session_id: int):
    """Replaced by the check-in page (placeholder of the skeleton)."""
    abort(404)
