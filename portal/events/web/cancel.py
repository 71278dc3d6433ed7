"""A resident cancels a registration: the confirmation page says what happens to the seat and the money, then the
seat goes back (to the waiting list) and a paid fee is refunded. Routes on the ``events`` blueprint."""
from __future__ import annotations

from flask import abort

from portal.events.web.resident import bp


@bp.route("/registrations/<reference>/cancel", methods=["GET", "POST"])
def cancel(reference: str):
    """Replaced by the cancellation page (placeholder of the skeleton)."""
    abort(404)
