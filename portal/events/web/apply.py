"""Applying for an event and following the registration: choose the session(s) and party, answer the event's
questions (the generic journey of its ``event`` definition), pay when a fee is due; a registration's page with
its status, cancelling it, accepting a waiting-list offer. Routes on the ``events`` blueprint."""
from __future__ import annotations

from portal.events.web.resident import bp  # noqa: F401
