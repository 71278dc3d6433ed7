"""`flask events …`: the periodic tasks' work by hand (portal.tasks runs it every minute); every step is idempotent,
and the time is the business clock (``PORTAL_NOW`` for a demo "as of" another moment)."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal import db
from portal.clock import now

events_cli = AppGroup("events", help="Events and courses: the lottery at the close.")


@events_cli.command("draw")
@click.option("--event", "slug", default=None, help="Only the event with this slug.")
@click.option("--municipality", default=None, help="Only events of this municipality (its slug).")
def draw_command(slug: str | None, municipality: str | None):
    """Commit the seed of every event lottery whose applications closed, and draw every one that is due."""
    from portal.events import lottery
    from portal.tenancy.models import Municipality

    dbs = db.session()
    municipality_id = None
    if municipality is not None:
        municipality_id = dbs.scalar(select(Municipality.id).where(Municipality.slug == municipality))
        if municipality_id is None:
            raise click.UsageError(f"no municipality {municipality!r}")
    done = lottery.run_due(dbs, now(), municipality_id=municipality_id, slug=slug)
    click.echo(f"event lotteries: seeds committed {done['committed']}; drawn {done['drawn']}")
