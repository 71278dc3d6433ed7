"""Emails are queued in the outbox inside the business transaction and sent after it commits."""
from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.notifications.models import OutboxEmail

MAX_ATTEMPTS = 10
#: a claim this old belongs to a sender that died mid-send (an SMTP send times out after 10 s)
CLAIM_TIMEOUT = timedelta(minutes=5)


def queue(session: Session, recipient: str | None, template: str, lang: str, municipality_id: int | None, **context) -> OutboxEmail | None:
    """Render ``notifications/email/<template>.txt`` (first line is the subject) in the resident's language."""
    if not recipient:
        return None
    with force_locale(lang):
        text = render_template(f"email/{template}.txt", lang=lang, **context)
    subject, _, body = text.strip().partition("\n")
    email = OutboxEmail(
        municipality_id=municipality_id, recipient=recipient, subject=subject.strip(), body=body.strip() + "\n"
    )
    session.add(email)
    session.flush()
    return email


def send_pending(session: Session, limit: int = 100) -> tuple[int, int]:
    """Send what is waiting; safe to run from several places at once (each row is claimed first)."""
    sent = failed = 0
    stale = utcnow() - CLAIM_TIMEOUT
    claimable = or_(OutboxEmail.status == "pending",
                    and_(OutboxEmail.status == "sending", OutboxEmail.claimed_at < stale))
    ids = session.scalars(select(OutboxEmail.id).where(claimable).order_by(OutboxEmail.id).limit(limit)).all()
    for email_id in ids:
        claimed = session.execute(update(OutboxEmail).where(OutboxEmail.id == email_id, claimable)
                                  .values(status="sending", claimed_at=utcnow()))
        session.commit()
        if claimed.rowcount != 1:
            continue  # another sender has it
        email = session.get(OutboxEmail, email_id, populate_existing=True)
        try:
            _deliver(email)
        except (OSError, smtplib.SMTPException) as exc:
            email.attempts += 1
            email.last_error = str(exc)[:1000]
            email.status = "failed" if email.attempts >= MAX_ATTEMPTS else "pending"
            failed += 1
        else:
            email.status = "sent"
            email.sent_at = utcnow()
            email.attempts += 1
            sent += 1
        session.commit()
    return sent, failed


def _deliver(email: OutboxEmail) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"outbox{email.id}")
    message.set_content(email.body, charset="utf-8")
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(message)
