"""Payments' periodic task: reconciliation, as `flask payments reconcile` runs it."""
from __future__ import annotations

import logging

from huey import crontab

from portal import db
from portal.payments import reconcile
from portal.payments.gateway import gateway
from portal.tasks.queue import periodic

log = logging.getLogger(__name__)


@periodic(crontab(minute="*/5"))
def reconcile_payments() -> None:
    """Catches a missed webhook; the webhook itself does the work as it happens."""
    report = reconcile.run(db.session(), gateway())
    for error in report.errors:
        log.warning("reconcile: %s", error)
