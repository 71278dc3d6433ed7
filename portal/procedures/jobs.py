"""The procedures' periodic task: the purge of untouched anonymous drafts, as `flask drafts purge-anonymous`."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from huey import crontab

from portal import db
from portal.procedures.anonymous import purge
from portal.tasks.queue import periodic


@periodic(crontab(minute="7"))
def purge_anonymous_drafts() -> None:
    config = current_app.config
    purge(db.session(), timedelta(hours=config["ANON_DRAFT_RETENTION_HOURS"]), config["UPLOAD_DIR"])
