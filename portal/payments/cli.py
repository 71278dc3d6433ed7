"""`flask payments reconcile` and `flask payments daily-report`."""
from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal import db
from portal.clock import TOKYO
from portal.payments import accounting, reconcile
from portal.payments.gateway import gateway
from portal.tenancy.models import Municipality

payments_cli = AppGroup("payments", help="Payments: reconciliation with the provider, accounting files.")


def _municipality(slug: str | None) -> Municipality | None:
    if slug is None:
        return None
    found = db.session().scalar(select(Municipality).where(Municipality.slug == slug))
    if found is None:
        raise click.BadParameter(f"no municipality {slug!r}", param_hint="--municipality")
    return found


@payments_cli.command("reconcile")
@click.option("--municipality", "slug", help="only this municipality (slug); default: all")
def reconcile_command(slug):
    """Re-fetch every open/processing payment (and refunds of recent paid ones) from the provider: once, by
    hand (the task queue runs it every few minutes)."""
    report = reconcile.run(db.session(), gateway(), _municipality(slug))
    click.echo(f"reconcile: {report}")
    for error in report.errors:
        click.echo(f"  error: {error}", err=True)
    sys.exit(1 if report.errors else 0)


@payments_cli.command("daily-report")
@click.option("--date", "day", help="YYYY-MM-DD (JST); default: yesterday")
@click.option("--municipality", "slug", required=True, help="municipality slug")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="file to write; default: payments-<code>-<YYYYMMDD>.csv in the current directory; - for stdout")
def daily_report(day, slug, output):
    """The day's payments and refunds of one municipality for the 財務会計 system (UTF-8 with BOM)."""
    try:
        when = date.fromisoformat(day) if day else (datetime.now(TOKYO).date() - timedelta(days=1))
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--date") from None
    municipality = _municipality(slug)
    data = accounting.daily_csv(db.session(), municipality, when)
    if output is not None and str(output) == "-":
        sys.stdout.buffer.write(data)
        return
    path = output or Path(accounting.filename(municipality, when))
    path.write_bytes(data)
    rows = data.count(b"\n") - 1
    click.echo(f"wrote {path} ({rows} rows)")
