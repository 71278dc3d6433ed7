"""`flask` commands: db upgrade, forms check/sync, demo load, notifications send, drafts purge-anonymous (each
area adds its own groups: staff, payments, booking, retention, tasks)."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal import db, migrate
from portal.procedures.definition import DefinitionError, load_file

db_cli = AppGroup("db", help="Database schema (Alembic).")
forms_cli = AppGroup("forms", help="Procedure definitions under forms/.")
demo_cli = AppGroup("demo", help="Demo data.")
notifications_cli = AppGroup("notifications", help="Outgoing email.")
drafts_cli = AppGroup("drafts", help="Drafts in progress.")


@db_cli.command("upgrade")
def db_upgrade():
    migrate.upgrade(current_app.config["DATABASE_URL"])
    click.echo("database is at the latest revision")


@db_cli.command("revision")
@click.argument("message")
def db_revision(message):
    migrate.revision(current_app.config["DATABASE_URL"], message)


@forms_cli.command("check")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
def forms_check(directory):
    """Validate every definition; exit 1 naming the file and path of every problem."""
    directory = directory or Path(current_app.config["FORMS_DIR"])
    failed = False
    for path in sorted(directory.glob("*.yaml")):
        try:
            load_file(path)
        except DefinitionError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem.describe(exc.source)}", err=True)
            failed = True
        else:
            click.echo(f"ok: {path.name}")
    if failed:
        raise SystemExit(1)


@forms_cli.command("sync")
def forms_sync():
    """Publish new definition versions from forms/ (published versions are never changed)."""
    from portal.procedures.sync import sync_directory

    session = db.session()
    result = sync_directory(session, Path(current_app.config["FORMS_DIR"]))
    session.commit()
    click.echo(f"published: {', '.join(result.added) or 'none'}; unchanged: {len(result.unchanged)}")


@demo_cli.command("load")
def demo_load():
    """Municipalities and procedures for trying the portal; running it twice changes nothing."""
    from portal.booking.demo import load_demo_facilities
    from portal.clock import now
    from portal.events.demo import load_demo_events
    from portal.procedures.sync import sync_directory
    from portal.tenancy.demo import load_municipalities

    session = db.session()
    added = load_municipalities(session)
    facilities_added = load_demo_facilities(session)
    events_added = load_demo_events(session, now())
    result = sync_directory(session, Path(current_app.config["FORMS_DIR"]))
    session.commit()
    click.echo(f"municipalities added: {added}; facilities added: {facilities_added}; events added: {events_added}; "
               f"definitions published: {', '.join(result.added) or 'none'}")
    if current_app.config.get("PORTAL_ENV") == "production":
        click.echo("PORTAL_ENV=production: no demo staff accounts (create the first admin with `flask staff create`)")
    else:
        from portal.staff.demo import load_demo_staff

        click.echo(f"demo staff accounts added: {load_demo_staff(session)} (development only)")
        session.commit()


@notifications_cli.command("send")
def notifications_send():
    from portal.notifications.mail import send_pending

    """Send every email waiting in the outbox now, failed ones too (the task queue sends them by itself)."""
    sent, failed = send_pending(db.session(), limit=10_000)
    click.echo(f"sent {sent}, failed {failed}")


@drafts_cli.command("purge-anonymous")
@click.option("--older-than-hours", type=int, default=None,
              help="untouched for this long; default: ANON_DRAFT_RETENTION_HOURS (24)")
def drafts_purge_anonymous(older_than_hours):
    """Delete drafts started without sign-in and left untouched, with their uploaded files (the task queue does
    this every hour; this is one run by hand)."""
    from portal.procedures.anonymous import purge

    hours = older_than_hours if older_than_hours is not None else current_app.config["ANON_DRAFT_RETENTION_HOURS"]
    purged, files = purge(db.session(), timedelta(hours=hours), current_app.config["UPLOAD_DIR"])
    click.echo(f"anonymous drafts purged: {purged} ({files} files)")


def init_app(app: Flask) -> None:
    for group in (db_cli, forms_cli, demo_cli, notifications_cli, drafts_cli):
        app.cli.add_command(group)
