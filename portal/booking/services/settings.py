"""A facility's parsed configuration for the current request (``flask.g``): a month view, a booking of many slots
and the page around them read each part once, not once per slot, band or row. Outside an application context
nothing is kept."""
from __future__ import annotations

from flask import g, has_app_context

from portal.booking.domain.config import Settings


def settings_of(facility) -> Settings:
    if not has_app_context():
        return Settings(facility)
    per_facility = g.setdefault("booking_settings", {})
    return Settings(facility, per_facility.setdefault(facility.id, {}))
