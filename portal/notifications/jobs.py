"""The outbox's tasks: each email is sent by a task queued once the transaction that wrote it commits, and a
periodic sweep sends those whose task was lost. The claim of the outbox row keeps either from sending twice."""
from __future__ import annotations

import logging

from huey import crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal import db
from portal.notifications import mail
from portal.tasks.queue import periodic, task

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The SMTP server refused or could not be reached: huey retries the task after a growing delay."""


@task(retries=mail.MAX_ATTEMPTS - 1, retry_delay=int(mail.RETRY_DELAY.total_seconds()), retry_backoff=2)
def send_email(email_id: int) -> None:
    if mail.send_one(db.session(), email_id) == "retry":
        raise DeliveryFailed(f"email {email_id} not sent yet; retrying")


@periodic(crontab(minute="*"))
def outbox_sweep() -> None:
    """Emails whose task was lost (the queue was down at commit, a consumer died mid-send), once due."""
    while any(mail.send_pending(db.session(), due_only=True)):
        pass


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    queued = mail.committed(session)
    for email_id, app in queued.items():
        # The app the email was written in: a task run at once (tests) runs there, with its clock and settings.
        with app.app_context():
            try:
                send_email(email_id)
            except Exception:  # the queue is down: the rows are committed, and the periodic sweep sends them
                log.warning("could not queue the sending of emails %s; the outbox sweep will send them",
                            list(queued), exc_info=True)
                return  # not one wait for an unreachable queue per email
