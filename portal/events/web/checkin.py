"""受付 (check-in) on a staff phone: read the ticket's QR code or type the 受付番号, search by name, walk-ins, live
counts. Routes on the ``events_staff`` blueprint."""
from __future__ import annotations

from portal.events.web.staff import bp  # noqa: F401
