"""Two real consumers (`flask tasks consume`, separate processes) on one Redis queue and one PostgreSQL: every job
is queued several times at once and both consumers race for it, yet the lottery is drawn once, the reminder
and each email go out once. The database claims are the guard, not the queue."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import date, time as clock_time, timedelta

import pytest
from huey.storage import RedisStorage
from sqlalchemy import select

from portal import tasks
from portal.booking import jobs as booking_jobs
from portal.booking.domain.calendar import jst
from portal.booking.models import LotteryRound, Reservation, ReservationSlot
from portal.booking.services import lottery as lottery_service
from portal.db import utcnow
from portal.notifications import jobs as outbox_jobs
from portal.notifications.models import OutboxEmail
from tests.conftest import ROOT
from tests.integration.backoffice import make_submission
from tests.integration.booking_factory import make_facility

LOTTERY = {"schedule": {}, "scope": {"day_types": ["holiday"]},
           "policy": {"max_preferences": 3, "max_applications_per_person": 2, "win_cap_per_person": 1}}
# The consumers' business clock: the February round's draw is due, and so is the reminder for 13 December.
CONSUMERS_NOW = "2026-12-12T10:00+09:00"

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                                reason="consumers on several processes share one PostgreSQL (CI's second pass)")


def world(app, db, make_resident):
    """A February lottery round whose seed is committed (the draw is due), a confirmed booking for tomorrow not
    yet reminded, and an email in the outbox whose task was lost."""
    facility = make_facility(db, lottery=LOTTERY)
    with app.app_context():
        lottery_service.apply(db, facility, make_resident(), lottery_service.Month(2027, 2),
                              ["court-a/2027-02-06 09:00"], jst(date(2026, 12, 2),
                                                                clock_time(10)), "lottery@example.jp")
        assert lottery_service.run_due(db, jst(date(2026, 12, 11), clock_time(9)))["committed"] == 1
    resident = make_resident()
    submission = make_submission(db, resident=resident, contact_email="remind@example.jp")
    starts = jst(date(2026, 12, 13), clock_time(9))
    booking = Reservation(municipality_id=facility.municipality_id, facility_id=facility.id, kind="first_come",
                          status="confirmed", resident_id=resident.id, submission_id=submission.id,
                          confirmed_at=utcnow())
    booking.slots = [ReservationSlot(unit_id=facility.units[0].id, starts_at=starts,
                                     ends_at=starts + timedelta(hours=2))]
    email = OutboxEmail(recipient="outbox@example.jp", subject="件名", body="本文\n",
                        created_at=utcnow() - timedelta(minutes=5))
    db.add_all([booking, email])
    db.commit()
    return booking.id, email.id


def consumer(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi:app", "tasks", "consume", "--workers", "4",
                             "--no-periodic"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_two_consumers_do_each_job_once(app, db, make_resident, mail_sink, redis_url, tmp_path):
    booking_id, email_id = world(app, db, make_resident)
    mail_sink.clear()   # the lottery application's own receipt, sent while setting up: only the consumers count
    name = f"test-{uuid.uuid4().hex[:8]}"
    queue = RedisStorage(name, url=redis_url.replace("redis+unix://", "unix://", 1))
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "REDIS_URL": redis_url, "TASK_QUEUE_NAME": name,
           "TASKS_IMMEDIATE": "0", "PORTAL_NOW": CONSUMERS_NOW, "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(mail_sink.port), "SECRET_KEY": "test-secret-key", "PORTAL_INSTANCE_DIR": str(tmp_path),
           "UPLOAD_DIR": str(tmp_path / "uploads")}
    # Every job several times over, as N consumers' schedulers (and a retry) would queue them.
    for _ in range(4):
        for job in (booking_jobs.lottery_steps.s(), booking_jobs.booking_reminders.s(),
                    outbox_jobs.send_email.s(email_id), outbox_jobs.outbox_sweep.s()):
            queue.enqueue(tasks.huey.serialize_task(job), job.priority)
    consumers = [consumer(env) for _ in range(2)]
    try:
        deadline = time.monotonic() + 90
        while queue.queue_size() or len(mail_sink.messages()) < 3:
            for process in consumers:
                assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, f"{queue.queue_size()} tasks left, {len(mail_sink.messages())} sent"
            time.sleep(0.2)
        time.sleep(2)  # the tasks still in hand finish: none may send anything more
    finally:
        for process in consumers:
            process.terminate()
        for process in consumers:
            process.wait(timeout=30)
        queue.flush_all()

    recipients = Counter(message["To"] for message in mail_sink.messages())
    assert recipients == {"lottery@example.jp": 1, "remind@example.jp": 1, "outbox@example.jp": 1}
    db.expire_all()
    assert db.scalar(select(LotteryRound.status)) == "drawn"
    assert db.get(Reservation, booking_id).reminded_at is not None
    assert {e.status for e in db.scalars(select(OutboxEmail))} == {"sent"}
    assert db.get(OutboxEmail, email_id).attempts == 1
