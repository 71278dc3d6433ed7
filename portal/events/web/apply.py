"""Applying for an event and following the registration: choose the session(s) and party, answer the event's
questions (the generic journey of its ``event`` definition), pay when a fee is due; a registration's page with
its status, accepting a waiting-list offer. Routes on the ``events`` blueprint."""
from __future__ import annotations

from flask import abort

from portal.events.web.resident import bp


@bp.route("/<slug>/apply", methods=["GET", "POST"])
def apply(slug: str):
    """Replaced by choosing the session(s) and party (placeholder of the skeleton)."""
    abort(404)


@bp.get("/registrations/<reference>")
def registration(reference: str):
    """Replaced by the registration's page (placeholder of the skeleton)."""
    abort(404)


@bp.post("/registrations/<reference>/accept")
def accept_offer(reference: str):
    """Replaced by accepting a waiting-list offer (placeholder of the skeleton)."""
    abort(404)
