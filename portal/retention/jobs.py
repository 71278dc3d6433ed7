"""Retention's periodic task: the nightly pass of `flask retention run`."""
from __future__ import annotations

from huey import crontab

from portal import db
from portal.clock import now
from portal.retention.purge import run_retention
from portal.tasks.queue import periodic


# huey's crontab is in UTC: 18:30 UTC is 03:30 in Tokyo, when nobody is applying.
@periodic(crontab(hour="18", minute="30"))
def retention_purge() -> None:
    """個人情報の保存期間: the same pass as `flask retention run` (it commits, and runs one at a time)."""
    run_retention(db.session(), now())
