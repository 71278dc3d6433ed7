"""Every task, each calling the same service function as its operator's CLI command. Each is safe to run twice,
and on two consumers at once: the claims in the database (the outbox row's, the reminder's, the lottery round's
status, the hold's) make the second run find nothing to do."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from huey import crontab

from portal import db
from portal.clock import now
from portal.notifications import mail
from portal.tasks.queue import periodic, task

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The SMTP server refused or could not be reached: huey retries the task after a growing delay."""


@task(retries=mail.MAX_ATTEMPTS - 1, retry_delay=int(mail.RETRY_DELAY.total_seconds()), retry_backoff=2)
def send_email(email_id: int) -> None:
    """Queued by the commit that wrote the email (portal.notifications.mail)."""
    if mail.send_one(db.session(), email_id) == "retry":
        raise DeliveryFailed(f"email {email_id} not sent yet; retrying")


@periodic(crontab(minute="*"))
def outbox_sweep() -> None:
    """Emails whose task was lost (the queue was down at commit, a consumer died mid-send), once due."""
    while any(mail.send_pending(db.session(), due_only=True)):
        pass


@periodic(crontab(minute="*"))
def release_holds() -> None:
    from portal.booking.services import booking as service
    from portal.payments.gateway import gateway

    service.expire_holds(db.session(), gateway(), now())


@periodic(crontab(minute="*"))
def lottery_steps() -> None:
    """Lottery moments are on the minute: commit seeds, draw, finish the rounds that are due."""
    from portal.booking.services import lottery as lottery_service

    lottery_service.run_due(db.session(), now())


@periodic(crontab(minute="*"))
def booking_reminders() -> None:
    from portal.booking.services import reminders

    reminders.send_due(db.session(), now())


@periodic(crontab(minute="*/5"))
def reconcile_payments() -> None:
    """Catches a missed webhook; the webhook itself does the work as it happens."""
    from portal.payments import reconcile
    from portal.payments.gateway import gateway

    report = reconcile.run(db.session(), gateway())
    for error in report.errors:
        log.warning("reconcile: %s", error)


@periodic(crontab(minute="7"))
def purge_anonymous_drafts() -> None:
    from portal.procedures.anonymous import purge

    config = current_app.config
    purge(db.session(), timedelta(hours=config["ANON_DRAFT_RETENTION_HOURS"]), config["UPLOAD_DIR"])


@periodic(crontab(minute="*"))
def waiting_list_offers() -> None:
    """Offers not taken in time lapse and their seats go to the next person waiting (events)."""
    from portal.events import registration

    session = db.session()
    registration.lapse_offers(session, now=now())
    session.commit()


@periodic(crontab(minute="*"))
def event_reminders() -> None:
    from portal.events import reminders

    reminders.send_due(db.session(), now())


# huey's crontab is in UTC: 18:30 UTC is 03:30 in Tokyo, when nobody is applying.
@periodic(crontab(hour="18", minute="30"))
def retention_purge() -> None:
    """個人情報の保存期間: the same pass as `flask retention run` (it commits, and runs one at a time)."""
    from portal.retention import run_retention

    run_retention(db.session(), now())
