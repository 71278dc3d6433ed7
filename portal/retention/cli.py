"""``flask retention run [--dry-run] [--as-of ISO]``: one retention pass, by hand."""
from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

retention_cli = AppGroup("retention", help="Retention of personal data (個人情報の保存期間).")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="list what would be purged; change nothing")
@click.option("--as-of", "as_of", default=None,
              help="as if it were this moment (ISO 8601 with offset); without --dry-run not in production")
def retention_run(dry_run: bool, as_of: str | None):
    """Delete stale drafts and anonymise long-closed submissions, each with an audit tombstone."""
    from portal import clock, db
    from portal.retention.purge import run_retention

    now = clock.now()
    if as_of:
        now = datetime.fromisoformat(as_of)
        if now.tzinfo is None:
            raise click.BadParameter("needs a UTC offset, e.g. 2031-04-01T00:00+09:00", param_hint="--as-of")
        if not dry_run and current_app.config["PORTAL_ENV"] == "production":
            raise click.UsageError("--as-of purges ahead of time: only with --dry-run in production")
    report = run_retention(db.session(), now=now, dry_run=dry_run)
    verb = {"draft": "would delete" if dry_run else "deleted",
            "submission": "would anonymise" if dry_run else "anonymised"}
    for item in report.items:
        if item.kind == "emails":
            click.echo(f"{verb['draft']} {item.label} sent before {item.since:%Y-%m-%d}: {item.municipality}, "
                       f"rule {item.rule}")
            continue
        what = f"draft {item.id}" if item.kind == "draft" else f"submission {item.label}"
        since = "last saved" if item.kind == "draft" else "closed"
        click.echo(f"{verb[item.kind]} {what}: {item.municipality} {item.procedure}, {since} "
                   f"{item.since:%Y-%m-%d}, rule {item.rule}, {item.files} file(s)")
    click.echo(f"{verb['submission']} {report.count('submission')} submission(s), "
               f"{verb['draft']} {report.count('draft')} draft(s) and {report.count('emails')} sent email(s) "
               f"as of {now.isoformat()}")
