"""A registration's ticket: the QR code (a signed opaque token) and a calendar file per session. Routes on the
``events`` blueprint."""
from __future__ import annotations

from portal.events.web.resident import bp  # noqa: F401
