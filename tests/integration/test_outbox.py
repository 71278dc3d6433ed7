"""The outbox sends each email once even with several senders at once (on SQLite too), and takes over an email
whose sender died mid-send."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from portal.db import utcnow
from portal.notifications import mail
from portal.notifications.models import OutboxEmail


def queue(db, n: int) -> None:
    for i in range(n):
        db.add(OutboxEmail(recipient=f"r{i}@example.jp", subject=f"件名 {i}", body="本文\n"))
    db.commit()


def test_two_senders_at_once_deliver_each_email_once(app, db, mail_sink):
    queue(db, 20)
    barrier = threading.Barrier(2)
    results = []

    def sender():
        with app.app_context():
            dbs = app.extensions["db_sessionmaker"]()
            barrier.wait()
            results.append(mail.send_pending(dbs))
            dbs.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(sent for sent, _ in results) == 20
    assert sorted(m["To"] for m in mail_sink.messages()) == sorted(f"r{i}@example.jp" for i in range(20))
    db.expire_all()
    assert {e.status for e in db.scalars(select(OutboxEmail))} == {"sent"}


def test_a_claim_left_by_a_dead_sender_is_taken_over(app, db, mail_sink):
    queue(db, 2)
    first, second = db.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    first.status, first.claimed_at = "sending", utcnow() - timedelta(minutes=10)   # died long ago
    second.status, second.claimed_at = "sending", utcnow()                          # still at it
    db.commit()
    with app.app_context():
        assert mail.send_pending(db) == (1, 0)
    assert [m["To"] for m in mail_sink.messages()] == [first.recipient]


def test_a_failed_send_goes_back_to_pending(app, db, mail_sink):
    queue(db, 1)
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = 1  # nothing listens there
    try:
        with app.app_context():
            assert mail.send_pending(db) == (0, 1)
    finally:
        app.config["SMTP_PORT"] = port
    email = db.scalar(select(OutboxEmail))
    db.refresh(email)
    assert email.status == "pending" and email.attempts == 1 and email.last_error
    with app.app_context():
        assert mail.send_pending(db) == (1, 0)
