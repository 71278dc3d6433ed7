"""The periodic tasks each feature registers: the same names, schedules and queue identifiers as when they were
all in one module, so the consumers of an older release and the messages they queued keep working."""
from __future__ import annotations

from datetime import datetime

from portal import tasks

EVERY_MINUTE = {"outbox_sweep", "release_holds", "lottery_steps", "booking_reminders", "waiting_list_offers",
                "event_reminders", "event_payment_deadlines", "event_lottery"}


def due(hour: int, minute: int) -> set[str]:
    return {task.name for task in tasks.huey.read_periodic(datetime(2026, 12, 3, hour, minute))}


def test_each_periodic_task_is_due_when_it_was(app):
    assert due(10, 1) == EVERY_MINUTE
    assert due(10, 5) == EVERY_MINUTE | {"reconcile_payments"}
    assert due(10, 7) == EVERY_MINUTE | {"purge_anonymous_drafts"}
    assert due(18, 30) == EVERY_MINUTE | {"reconcile_payments", "retention_purge"}


def test_a_queued_message_names_its_task_as_before(app):
    registered = tasks.huey._registry._registry
    names = EVERY_MINUTE | {"reconcile_payments", "purge_anonymous_drafts", "retention_purge", "send_email"}
    assert {f"portal.tasks.jobs.{name}" for name in names} <= set(registered)
