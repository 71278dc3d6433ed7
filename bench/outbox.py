"""Benchmark: a burst of 1,000 emails queued in one transaction, drained by real consumers (issue 15).

The emails are written with ``portal.notifications.mail.queue`` (the code the views run) and committed at once;
the commit queues one send task per email. Consumers (``flask tasks consume``, separate processes, 4 threads
each) deliver them over SMTP to an in-process sink (devtools.mailbox). Reports the time from the commit until
the last email arrived, for 1 and for 2 consumers, and counts what arrived by Message-ID: the run fails unless
every email arrived exactly once.

    python -m bench.outbox                    # SQLite database and SQLite queue in a temporary folder (`make run`)
    DATABASE_URL=postgresql://… REDIS_URL=redis://127.0.0.1:6379/0 python -m bench.outbox   # as in production

With DATABASE_URL the named database is migrated and used; the bench's emails are deleted afterwards.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import delete, select

ROOT = Path(__file__).resolve().parent.parent
EMAILS = 1000
CONSUMERS = (1, 2)
WORKERS = 4
RECIPIENT_DOMAIN = "bench-outbox.example.jp"


def _app(database_url: str, folder: Path, smtp_port: int, queue_name: str):
    from portal import create_app

    return create_app({
        "SECRET_KEY": "bench", "DATABASE_URL": database_url, "UPLOAD_DIR": str(folder / "uploads"),
        "OIDC_CLIENT_SECRET": "bench", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_port,
        "TASK_QUEUE_NAME": queue_name, "TASK_QUEUE_FILE": str(folder / "tasks.sqlite3"), "TASKS_IMMEDIATE": False,
    })


def _consumer(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi:app", "tasks", "consume",
                             "--workers", str(WORKERS), "--no-periodic"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _queue_burst(app, count: int, tag: str) -> None:
    from portal import db
    from portal.db import utcnow
    from portal.notifications import mail
    from portal.tenancy.models import Municipality

    with app.app_context():
        session = db.session()
        city = session.scalar(select(Municipality).where(Municipality.slug == "ichinomiya"))
        for i in range(count):
            submission = SimpleNamespace(reference=f"{tag}-{i:05d}", applicant_name="ベンチ 花子",
                                         submitted_at=utcnow(), fee_amount=0)
            mail.queue(session, f"r{i}-{tag}@{RECIPIENT_DOMAIN}", "counter_received", "ja", city.id,
                       municipality=city, submission=submission, title="住民票の写しの交付申請", next_steps="")
        session.commit()  # one commit: 1,000 send tasks queued right after it


def _drain(app, env: dict, sink, consumers: int, tag: str) -> dict:
    sink.clear()
    processes = [_consumer(env) for _ in range(consumers)]
    try:
        _queue_burst(app, 1, f"{tag}w")  # warm-up: the consumers are up once it has arrived
        _wait(sink, 1, processes, 60)
        sink.clear()
        start = time.perf_counter()
        _queue_burst(app, EMAILS, tag)
        queued = time.perf_counter() - start
        _wait(sink, EMAILS, processes, 600)
        drained = time.perf_counter() - start
        time.sleep(2)  # anything sent twice would arrive now
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    ids = Counter(message["Message-ID"] for message in sink.messages())
    twice = sum(1 for n in ids.values() if n > 1)
    if len(ids) != EMAILS or twice:
        raise SystemExit(f"{len(ids)} distinct emails of {EMAILS} arrived, {twice} more than once")
    return {"queued": queued, "drained": drained, "arrived": sum(ids.values()), "twice": twice}


def _wait(sink, count: int, processes, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(sink.raw_messages()) < count:
        if any(p.poll() is not None for p in processes):
            raise SystemExit("a consumer stopped")
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(sink.raw_messages())} of {count} emails arrived in {timeout:.0f} s")
        time.sleep(0.05)


def run() -> dict:
    from devtools.mailbox.testing import MailSink
    from portal import db as portal_db, migrate
    from portal.notifications.models import OutboxEmail
    from portal.tenancy.demo import load_municipalities

    results = {}
    with tempfile.TemporaryDirectory() as tmp, MailSink() as sink:
        folder = Path(tmp)
        database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'bench.sqlite3'}"
        migrate.upgrade(database_url)
        queue_name = f"bench-outbox-{uuid.uuid4().hex[:8]}"
        app = _app(database_url, folder, sink.port, queue_name)
        with app.app_context():
            load_municipalities(portal_db.session())
            portal_db.session().commit()
        env = {**os.environ, "DATABASE_URL": database_url, "TASK_QUEUE_NAME": queue_name,
               "TASK_QUEUE_FILE": app.config["TASK_QUEUE_FILE"], "TASKS_IMMEDIATE": "0", "SECRET_KEY": "bench",
               "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port), "PORTAL_INSTANCE_DIR": str(folder),
               "UPLOAD_DIR": str(folder / "uploads")}
        backend = ("PostgreSQL" if database_url.startswith("postgresql") else "SQLite") + " + " + \
            ("Redis queue" if app.config.get("REDIS_URL") else "SQLite queue")
        results["setup"] = f"{backend}, {EMAILS} emails in one commit, consumers of {WORKERS} threads"
        try:
            for consumers in CONSUMERS:
                done = _drain(app, env, sink, consumers, f"c{consumers}")
                results[f"{consumers} consumer(s): drained"] = (
                    f"{done['drained']:.1f} s ({EMAILS / done['drained']:.0f} emails/s; commit and queueing "
                    f"{done['queued']:.2f} s), {done['arrived']} arrived, {done['twice']} twice")
        finally:
            with app.app_context():
                session = portal_db.session()
                session.execute(delete(OutboxEmail).where(OutboxEmail.recipient.like(f"%@{RECIPIENT_DOMAIN}")))
                session.commit()
            from portal.tasks import huey

            huey.storage.flush_all()
    return results


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:>28}: {value}")
