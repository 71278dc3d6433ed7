"""Booking's periodic tasks, each calling the service function `flask booking tick` / `draw` calls."""
from __future__ import annotations

from huey import crontab

from portal import db
from portal.booking.services import booking as service, lottery as lottery_service, reminders
from portal.clock import now
from portal.payments.gateway import gateway
from portal.tasks.queue import periodic


@periodic(crontab(minute="*"))
def release_holds() -> None:
    service.expire_holds(db.session(), gateway(), now())


@periodic(crontab(minute="*"))
def lottery_steps() -> None:
    """Lottery moments are on the minute: commit seeds, draw, finish the rounds that are due."""
    lottery_service.run_due(db.session(), now())


@periodic(crontab(minute="*"))
def booking_reminders() -> None:
    reminders.send_due(db.session(), now())
