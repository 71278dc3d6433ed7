"""`flask tasks consume`: a consumer (any number may run, on any machines sharing the queue)."""
from __future__ import annotations

import logging

import click
from flask.cli import AppGroup

tasks_cli = AppGroup("tasks", help="The background task queue.")


@tasks_cli.command("consume")
@click.option("--workers", type=int, default=2, show_default=True, help="threads running tasks")
@click.option("--no-periodic", is_flag=True, help="run queued tasks only, not the periodic jobs' schedule")
def consume(workers, no_periodic):
    """Run tasks until stopped (SIGTERM or Ctrl-C finishes the tasks in hand first)."""
    from portal.tasks.queue import huey

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # An idle worker looks at the queue at least every second (an email is sent about as soon as it commits);
    # SIGTERM (systemd, `make run`'s Ctrl-C) lets the tasks in hand finish.
    huey.create_consumer(workers=workers, worker_type="thread", periodic=not no_periodic, max_delay=1.0,
                         graceful_signal="TERM").run()
