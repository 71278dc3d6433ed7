"""`flask booking …`: the scheduler's work by hand (portal.tasks runs it every minute); every step is idempotent."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from portal import db
from portal.clock import now

booking_cli = AppGroup("booking", help="Facility booking: holds, the monthly lottery and reminders.")


@booking_cli.command("draw")
def draw_command():
    """Commit the seed of every round whose applications closed, and draw every round that is due."""
    from portal.booking.services import lottery as lottery_service

    done = lottery_service.run_due(db.session(), now())
    click.echo(f"seeds committed: {done['committed']}; rounds drawn: {done['drawn']}; finished: {done['finished']}")


@booking_cli.command("tick")
def tick_command():
    """Once, by hand, what the task queue does every minute: release run-out holds, the lottery steps that are
    due, and the day-before reminders (their emails go out through the queue)."""
    from portal.booking.services import booking as service, lottery as lottery_service, reminders
    from portal.payments.gateway import gateway

    dbs = db.session()
    expired = service.expire_holds(dbs, gateway(), now())
    done = lottery_service.run_due(dbs, now())
    reminded = reminders.send_due(dbs, now())
    click.echo(f"booking: holds released {len(expired)}; seeds committed {done['committed']}; rounds drawn "
               f"{done['drawn']}; finished {done['finished']}; reminders {len(reminded)}")
