"""Background work on a task queue (huey). ``queue`` is all a feature needs: ``task`` for work queued by code
(the outbox's emails, portal.notifications.jobs) and ``periodic`` for work on a schedule, which each feature
declares in its own ``jobs`` module (payment reconciliation, booking holds, the lottery, reminders, the outbox
sweep, the purge of anonymous drafts, retention, the events' waiting list) and its ``init_app`` imports. Run
consumers with ``flask tasks consume``; see the README's "Background work"."""
from flask import Flask

from portal.ops.health import add_check
from portal.ops.metrics import add_gauge
from portal.tasks.queue import huey, queue_depth, queue_ready

__all__ = ["huey", "init_app", "queue_depth", "queue_ready"]


def init_app(app: Flask) -> None:
    from portal.tasks import queue
    from portal.tasks.cli import tasks_cli

    queue.configure(app)
    app.cli.add_command(tasks_cli)
    add_check(app, "task_queue", queue_ready)
    add_gauge(app, "portal_task_queue_depth", "Tasks waiting in the queue", queue_depth)
