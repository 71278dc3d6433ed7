"""Emails are queued in the outbox inside the business transaction; once that transaction commits, a task
on the queue sends each one (portal.notifications.jobs), retried with backoff. The row's claim keeps any email
from going out twice, whoever sends it: the task, its retry, the periodic sweep, or `flask notifications send`."""
from __future__ import annotations

import base64
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from sqlalchemy import and_, event, or_, select, update
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.notifications.models import OutboxEmail

MAX_ATTEMPTS = 10
#: a claim this old belongs to a sender that died mid-send (an SMTP send times out after 10 s)
CLAIM_TIMEOUT = timedelta(minutes=5)
#: the wait before the first retry of a failed send; it doubles with each further attempt
RETRY_DELAY = timedelta(seconds=30)
#: the periodic sweep leaves an email this young to the task its commit queued
SWEEP_AFTER = timedelta(minutes=1)
#: session.info key: ids of the emails queued in the session's transaction, sent once it commits
_QUEUED = "outbox_queued"


def attachment(filename: str, content_type: str, data: bytes) -> dict:
    """A file to send with an email, as ``OutboxEmail.attachments`` keeps it (JSON: the bytes in base64)."""
    if "/" not in content_type or any(c in filename for c in '/\\\r\n"'):
        raise ValueError(f"not an attachment: {filename!r} ({content_type})")
    return {"filename": filename, "content_type": content_type, "data": base64.b64encode(data).decode("ascii")}


def queue(session: Session, recipient: str | None, template: str, lang: str, municipality_id: int | None,
          *, attachments: list[dict] | None = None, **context) -> OutboxEmail | None:
    """Render ``notifications/email/<template>.txt`` (first line is the subject) in the resident's language;
    ``attachments``: files made with :func:`attachment`, sent with the text."""
    if not recipient:
        return None
    with force_locale(lang):
        text = render_template(f"email/{template}.txt", lang=lang, **context)
    subject, _, body = text.strip().partition("\n")
    email = OutboxEmail(
        municipality_id=municipality_id, recipient=recipient, subject=subject.strip(), body=body.strip() + "\n",
        attachments=list(attachments or []),
    )
    session.add(email)
    session.flush()
    session.info.setdefault(_QUEUED, {})[email.id] = current_app._get_current_object()
    return email


def committed(session: Session) -> dict[int, Flask]:
    """The emails queued in the transaction the session has just committed, each with the app it was written in;
    asked once, by the hook that queues their sending."""
    return session.info.pop(_QUEUED, None) or {}


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction) -> None:
    """A rollback or close of the whole transaction (not a savepoint's): its emails were never written."""
    if transaction.parent is None:
        session.info.pop(_QUEUED, None)


def _claimable(now: datetime):
    return or_(OutboxEmail.status == "pending",
               and_(OutboxEmail.status == "sending", OutboxEmail.claimed_at < now - CLAIM_TIMEOUT))


def retry_delay(attempts: int) -> timedelta:
    """How long after its last attempt a failed email is tried again (the task's retries wait the same)."""
    return RETRY_DELAY * 2 ** max(attempts - 1, 0)


def send_one(session: Session, email_id: int) -> str | None:
    """Claim one email and send it: "sent", "retry" (the send failed; pending again), "failed" (given up after
    MAX_ATTEMPTS), or None when there was nothing to do (already sent, or another sender has it)."""
    claimable = _claimable(utcnow())
    claimed = session.execute(update(OutboxEmail).where(OutboxEmail.id == email_id, claimable)
                              .values(status="sending", claimed_at=utcnow()))
    session.commit()
    if claimed.rowcount != 1:
        return None
    email = session.get(OutboxEmail, email_id, populate_existing=True)
    email.attempts += 1
    try:
        _deliver(email)
    except (OSError, smtplib.SMTPException) as exc:
        email.last_error = str(exc)[:1000]
        email.status = "failed" if email.attempts >= MAX_ATTEMPTS else "pending"
    else:
        email.status = "sent"
        email.sent_at = utcnow()
    session.commit()
    return "retry" if email.status == "pending" else email.status


def send_pending(session: Session, limit: int = 100, due_only: bool = False) -> tuple[int, int]:
    """Send what is waiting; safe to run from several places at once (each row is claimed first).

    ``due_only`` (the periodic sweep): leave young emails to the task their commit queued, and failed ones
    until their retry delay has passed, so the sweep never runs ahead of the backoff."""
    now = utcnow()
    query = select(OutboxEmail.id, OutboxEmail.attempts, OutboxEmail.claimed_at, OutboxEmail.status) \
        .where(_claimable(now)).order_by(OutboxEmail.id)
    if due_only:
        # Emails waiting for their retry are filtered here, not in SQL, so they must not take up the limit.
        rows = session.execute(query.where(OutboxEmail.created_at <= now - SWEEP_AFTER)).all()
        rows = [row for row in rows if row.status == "sending" or not row.attempts or row.claimed_at is None
                or row.claimed_at <= now - retry_delay(row.attempts)][:limit]
    else:
        rows = session.execute(query.limit(limit)).all()
    outcomes = [send_one(session, row.id) for row in rows]
    return outcomes.count("sent"), outcomes.count("retry") + outcomes.count("failed")


def _deliver(email: OutboxEmail) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"outbox{email.id}")
    message.set_content(email.body, charset="utf-8")
    for item in email.attachments or []:
        maintype, _, subtype = item["content_type"].partition("/")
        message.add_attachment(base64.b64decode(item["data"]), maintype=maintype, subtype=subtype,
                               filename=item["filename"])
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(message)
