"""個人情報の保存期間: personal data is kept only as long as the procedure needs it.

- An unsubmitted draft is deleted ``drafts_days`` after it was last saved, with its uploaded files.
- A closed submission (completed, rejected, withdrawn) is anonymised ``submissions_years`` after it closed:
  its answers, names, contact address, link to the resident, the messages and changes in its history, staff
  notes, uploaded files (bytes and records) and the draft it came from are removed. What stays is the record
  that it existed — reference, procedure, status history, dates, fee — and its payments as the accounting
  record (amounts, statuses, provider ids; free-text reasons and voucher links removed).
- Emails in the outbox that were sent (or given up) are deleted ``OUTBOX_RETENTION_DAYS`` after they were
  queued: they hold names and addresses, and nobody needs them once delivered.
- Audit entries are never changed; each purge adds one (``retention.submission_anonymised``,
  ``retention.drafts_deleted``, ``retention.emails_deleted``) naming what was purged, when, and under which rule.

The periods come from the procedure's definition (``retention: {drafts_days: 30, submissions_years: 5}``) and
otherwise from the municipality's defaults (``municipality.retention_*``). ``run_retention`` does one pass over
every municipality; ``flask retention run [--dry-run]`` calls it, and so does the nightly task (``jobs``)::

    from portal.retention import run_retention
    run_retention(db.session())

What a feature keeps outside the procedure engine it purges itself: it registers a sweeper (``sweepers``, rows
of its own per municipality) or a purger (``purgers``, rows tied to one draft or submission).
"""
from flask import Flask

from portal.retention.policy import Policy, policy_for  # noqa: F401
from portal.retention.purge import Report, run_retention  # noqa: F401


def init_app(app: Flask) -> None:
    from portal.retention import jobs  # noqa: F401  (registers the nightly pass)
    from portal.retention.cli import retention_cli

    app.cli.add_command(retention_cli)
