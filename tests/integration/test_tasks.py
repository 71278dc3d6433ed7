"""The queue's side of the outbox: an email's send task is queued when (and only when) its transaction commits,
a queue that is down loses nothing (the sweep sends the email), the sweep keeps to the retry backoff, and a
real consumer on the SQLite queue (as `make run` starts it) sends what a commit queued."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select, update

from portal import db as portal_db, tasks
from portal.db import utcnow
from portal.notifications import jobs, mail
from portal.notifications.models import OutboxEmail
from portal.tasks import queue
from portal.tenancy.models import Municipality
from tests.conftest import ROOT, app_config


def queue_one(app, recipient: str = "hanako@example.jp") -> int:
    """An email as a view queues one: rendered, flushed, not yet committed."""
    session = portal_db.session()
    city = session.scalar(select(Municipality).where(Municipality.slug == "ichinomiya"))
    submission = SimpleNamespace(reference="A-1", applicant_name="一宮 花子", submitted_at=utcnow(), fee_amount=0)
    email = mail.queue(session, recipient, "counter_received", "ja", city.id, municipality=city,
                       submission=submission, title="住民票の写しの交付申請", next_steps="")
    return email.id


def test_the_email_goes_out_when_its_transaction_commits_not_before(app, db, mail_sink):
    with app.app_context():
        queue_one(app)
        portal_db.session().flush()
        assert mail_sink.messages() == []
        portal_db.session().commit()
    [message] = mail_sink.messages()
    assert message["To"] == "hanako@example.jp" and "窓口で申請を受け付けました" in message["Subject"]


def test_a_rolled_back_email_is_never_sent(app, db, mail_sink):
    with app.app_context():
        queue_one(app)
        portal_db.session().rollback()
        portal_db.session().commit()  # a later commit of the same session does not send it either
    assert mail_sink.messages() == [] and db.scalar(select(OutboxEmail)) is None


def test_a_queue_that_is_down_at_commit_loses_nothing(database_url, db, mail_sink, tmp_path, app):
    try:
        # A real queue (not run at once) whose storage fails: Redis on a port where nothing listens.
        broken = _make_app(database_url, tmp_path, mail_sink, TASKS_IMMEDIATE=False, REDIS_URL="redis://127.0.0.1:1/0")
        assert not tasks.queue_ready()
        with broken.app_context():
            email_id = queue_one(broken)
            portal_db.session().commit()  # committed all the same
        assert db.get(OutboxEmail, email_id).status == "pending" and mail_sink.messages() == []
    finally:
        queue.configure(app)  # back to running tasks at once, for the other tests
    assert tasks.queue_ready()
    db.execute(update(OutboxEmail).values(created_at=utcnow() - timedelta(minutes=2)))
    db.commit()
    with app.app_context():
        jobs.outbox_sweep()
    assert [m["To"] for m in mail_sink.messages()] == ["hanako@example.jp"]


def _make_app(database_url, tmp_path, mail_sink, **extra):
    from portal import create_app

    return create_app(app_config(database_url, tmp_path, SMTP_PORT=mail_sink.port, **extra))


def test_the_sweep_keeps_to_the_retry_backoff(app, db, mail_sink):
    now = utcnow()
    young = OutboxEmail(recipient="young@example.jp", subject="s", body="b\n", created_at=now)
    waiting = OutboxEmail(recipient="waiting@example.jp", subject="s", body="b\n", attempts=3,
                          created_at=now - timedelta(hours=1),
                          claimed_at=now - mail.retry_delay(3) + timedelta(seconds=30))
    due = OutboxEmail(recipient="due@example.jp", subject="s", body="b\n", attempts=3,
                      created_at=now - timedelta(hours=1), claimed_at=now - mail.retry_delay(3) - timedelta(seconds=1))
    orphan = OutboxEmail(recipient="orphan@example.jp", subject="s", body="b\n", created_at=now - timedelta(minutes=2))
    db.add_all([young, waiting, due, orphan])
    db.commit()
    assert mail.retry_delay(1) == timedelta(seconds=30) and mail.retry_delay(3) == timedelta(minutes=2)
    with app.app_context():
        jobs.outbox_sweep()
    assert sorted(m["To"] for m in mail_sink.messages()) == ["due@example.jp", "orphan@example.jp"]
    with app.app_context():  # by hand, an operator sends everything now
        assert mail.send_pending(portal_db.session()) == (2, 0)


def test_a_failed_send_is_retried_by_the_task_and_never_sent_twice(app, db, mail_sink):
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = 1  # nothing listens there
    try:
        with app.app_context():
            email_id = queue_one(app)
            portal_db.session().commit()  # the task runs at once and fails: huey schedules its retry
        email = db.get(OutboxEmail, email_id)
        assert (email.status, email.attempts) == ("pending", 1) and email.last_error
        [retry] = tasks.huey.scheduled()
        assert retry.name == "send_email" and retry.args == (email_id,) and retry.retries == mail.MAX_ATTEMPTS - 2
    finally:
        app.config["SMTP_PORT"] = port
        tasks.huey.storage.flush_all()
    with app.app_context():
        jobs.send_email.call_local(email_id)   # the retry, when its time comes
        jobs.send_email.call_local(email_id)   # and once more (a duplicate): nothing
    assert [m["To"] for m in mail_sink.messages()] == ["hanako@example.jp"]
    db.expire_all()
    assert db.get(OutboxEmail, email_id).attempts == 2


def test_make_runs_consumer_sends_what_a_commit_queued(database_url, db, mail_sink, tmp_path, app):
    """`make run`'s setting: no Redis, the queue in a SQLite file of the instance folder."""
    instance = tmp_path / "instance"
    env = {**os.environ, "DATABASE_URL": database_url, "TASKS_IMMEDIATE": "0", "PORTAL_INSTANCE_DIR": str(instance),
           "SECRET_KEY": "test-secret-key", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mail_sink.port)}
    env.pop("REDIS_URL", None)
    try:
        writer = _make_app(database_url, tmp_path, mail_sink, TASKS_IMMEDIATE=False,
                           TASK_QUEUE_FILE=str(instance / "tasks.sqlite3"))
        with writer.app_context():
            queue_one(writer)
            portal_db.session().commit()
        assert tasks.queue_depth() == 1 and mail_sink.messages() == []
    finally:
        queue.configure(app)
    consumer = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi:app", "tasks", "consume"], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        message = mail_sink.wait_for(timeout=60)
    finally:
        consumer.terminate()
        consumer.wait(timeout=30)
    assert message["To"] == "hanako@example.jp"
