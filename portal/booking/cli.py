"""`flask booking …`: the scheduler's work, safe to run as often as you like (every step is idempotent)."""
from __future__ import annotations

import time
from datetime import datetime

import click
from flask.cli import AppGroup

from portal import db
from portal.clock import now

booking_cli = AppGroup("booking", help="Facility booking: holds, the monthly lottery and reminders.")


@booking_cli.command("draw")
def draw_command():
    """Commit the seed of every round whose applications closed, and draw every round that is due."""
    from portal.booking import lottery_service

    done = lottery_service.run_due(db.session(), now())
    click.echo(f"seeds committed: {done['committed']}; rounds drawn: {done['drawn']}; finished: {done['finished']}")


@booking_cli.command("tick")
@click.option("--every", type=int, default=0, help="repeat every N seconds (for `make run`); 0 = once")
def tick_command(every):
    """What the scheduler runs every minute: release run-out holds, the lottery steps that are due, and the
    day-before reminders."""
    from portal.booking import lottery_service, reminders, service
    from portal.notifications import mail
    from portal.payments.gateway import gateway

    while True:
        dbs = db.session()
        expired = service.expire_holds(dbs, gateway(), now())
        done = lottery_service.run_due(dbs, now())
        reminded = reminders.send_due(dbs, now())
        mail.send_pending(dbs)
        dbs.close()
        click.echo(f"{datetime.now():%H:%M:%S} booking: holds released {len(expired)}; seeds committed "
                   f"{done['committed']}; rounds drawn {done['drawn']}; finished {done['finished']}; "
                   f"reminders {len(reminded)}")
        if not every:
            return
        time.sleep(every)
