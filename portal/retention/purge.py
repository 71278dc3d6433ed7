"""One retention pass: delete stale drafts, anonymise long-closed submissions, record a tombstone for each."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, false, func, or_, select, text, update
from sqlalchemy.orm import Session

from portal.audit.service import SYSTEM, record
from portal.backoffice.models import SubmissionNote
from portal.db import utcnow
from portal.notifications.models import OutboxEmail
from portal.payments.models import Payment, PaymentTransition, Refund, SubmissionFee
from portal.procedures.history import SubmissionEvent
from portal.procedures.models import Draft, FormDefinition, Submission, UploadedFile
from portal.procedures.uploads import file_path
from portal.procedures.workflow import FINAL
from portal.retention.policy import Policy, policy_for, years_before
from portal.retention.purgers import purge_draft, purge_submission
from portal.retention.sweepers import SWEEPERS
from portal.tenancy.models import Municipality


@dataclass
class Purged:
    municipality: str
    procedure: str
    kind: str  # "draft" | "submission" | "emails", or what a feature's sweeper purges ("lottery_applications")
    id: int  # the draft's or submission's id; for emails and a sweeper's rows, how many
    label: str  # a draft's id, a submission's reference: never personal data
    rule: str
    since: datetime  # last saved (draft), closed (submission)
    files: int


@dataclass
class Report:
    dry_run: bool
    items: list[Purged] = field(default_factory=list)

    def count(self, kind: str) -> int:
        if kind not in ("draft", "submission"):
            return sum(item.id for item in self.items if item.kind == kind)
        return sum(1 for item in self.items if item.kind == kind)


def run_retention(session: Session, now: datetime | None = None, dry_run: bool = False,
                  upload_dir: str | None = None) -> Report:
    """Apply every municipality's retention rules as of ``now``; commits (or, dry, rolls back) and then removes
    the purged files from UPLOAD_DIR. Safe to run twice or on two consumers at once: a second pass finds
    nothing left to purge: passes run one at a time (a second waits for the first to commit, then finds nothing)."""
    now = now or utcnow()
    upload_dir = upload_dir or current_app.config["UPLOAD_DIR"]
    report = Report(dry_run)
    _one_pass_at_a_time(session)
    paths: list[Path] = []
    outbox_days = current_app.config["OUTBOX_RETENTION_DAYS"]
    for municipality in session.scalars(select(Municipality).order_by(Municipality.id)).all():
        for key, definition_ids, policy in _procedures(session, municipality):
            paths += _drafts(session, report, municipality, key, definition_ids, policy, now, upload_dir)
            paths += _submissions(session, report, municipality, key, definition_ids, policy, now, upload_dir)
        for sweeper in SWEEPERS.values():
            sweeper(session, report, municipality, now)
        _emails(session, report, municipality, outbox_days, now)
    _emails(session, report, None, outbox_days, now)  # those of no municipality
    if dry_run:
        session.rollback()
        return report
    session.commit()
    for path in paths:
        path.unlink(missing_ok=True)
    return report


#: pg_advisory_xact_lock key of the retention pass (any constant unique within the portal)
LOCK_KEY = 0x7E7E_0015


def _one_pass_at_a_time(session: Session) -> None:
    """Held until the pass commits or rolls back. On SQLite a write statement takes the database's one write lock,
    even if it changes nothing."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    else:
        session.execute(update(Municipality).where(false()).values(slug=Municipality.slug))


def _procedures(session: Session, municipality: Municipality):
    """Each procedure the municipality may have data of: its key, all its versions, the policy of the newest."""
    rows = session.execute(
        select(FormDefinition.id, FormDefinition.key, FormDefinition.content)
        .where(or_(FormDefinition.municipality_id.is_(None), FormDefinition.municipality_id == municipality.id))
        .order_by(FormDefinition.key, FormDefinition.version)
    ).all()
    by_key: dict[str, tuple[list[int], dict]] = {}
    for definition_id, key, content in rows:
        ids, _content = by_key.get(key, ([], {}))
        by_key[key] = (ids + [definition_id], content)  # ordered by version: the newest content wins
    for key, (ids, content) in by_key.items():
        yield key, ids, policy_for(municipality, content)


def _uploads(session: Session, condition) -> list[UploadedFile]:
    return list(session.scalars(select(UploadedFile).where(condition)))


def _drafts(session, report, municipality, key, definition_ids, policy: Policy, now, upload_dir) -> list[Path]:
    cutoff = now - timedelta(days=policy.drafts_days)
    stale = session.scalars(select(Draft).where(
        Draft.municipality_id == municipality.id, Draft.definition_id.in_(definition_ids),
        Draft.submitted_at.is_(None), Draft.updated_at < cutoff).order_by(Draft.id)).all()
    if not stale:
        return []
    rule = policy.rule("drafts_days")
    files = _uploads(session, UploadedFile.draft_id.in_([d.id for d in stale]) & UploadedFile.submission_id.is_(None))
    for draft in stale:
        report.items.append(Purged(municipality.slug, key, "draft", draft.id, f"draft {draft.id}", rule,
                                   draft.updated_at, sum(1 for f in files if f.draft_id == draft.id)))
        purge_draft(session, draft)
    paths = [file_path(upload_dir, upload) for upload in files]
    session.execute(delete(UploadedFile).where(UploadedFile.id.in_([f.id for f in files])))
    for draft in stale:
        session.delete(draft)
    record(session, SYSTEM, "retention.drafts_deleted", "form_definition", key, municipality_id=municipality.id,
           detail={"rule": rule, "count": len(stale), "draft_ids": [d.id for d in stale], "files": len(files),
                   "saved_before": cutoff.isoformat(), "at": now.isoformat()})
    session.flush()
    return paths


def _emails(session, report, municipality: Municipality | None, days: int, now) -> None:
    """Sent (or given-up) emails hold names and addresses and are needed by nobody after delivery."""
    cutoff = now - timedelta(days=days)
    of = (OutboxEmail.municipality_id == municipality.id) if municipality else OutboxEmail.municipality_id.is_(None)
    done = (of, OutboxEmail.status.in_(("sent", "failed")),
            OutboxEmail.created_at < cutoff)
    count = session.scalar(select(func.count()).select_from(OutboxEmail).where(*done))
    if not count:
        return
    session.execute(delete(OutboxEmail).where(*done))
    rule = f"outbox_days={days} (OUTBOX_RETENTION_DAYS)"
    report.items.append(Purged(municipality.slug if municipality else "-", "", "emails", count, f"{count} email(s)",
                               rule, cutoff, 0))
    record(session, SYSTEM, "retention.emails_deleted", "outbox_email", "",
           municipality_id=municipality.id if municipality else None,
           detail={"rule": rule, "count": count, "created_before": cutoff.isoformat(), "at": now.isoformat()})


def _closed_at():
    """When each submission reached its final status (the newest move into one)."""
    return (select(SubmissionEvent.submission_id, func.max(SubmissionEvent.created_at).label("closed_at"))
            .where(SubmissionEvent.to_status.in_(FINAL)).group_by(SubmissionEvent.submission_id).subquery())


def _submissions(session, report, municipality, key, definition_ids, policy: Policy, now, upload_dir) -> list[Path]:
    cutoff = years_before(now, policy.submissions_years)
    closed = _closed_at()
    closed_at = func.coalesce(closed.c.closed_at, Submission.updated_at)
    due = session.execute(
        select(Submission, closed_at)
        .outerjoin(closed, closed.c.submission_id == Submission.id)
        .where(Submission.municipality_id == municipality.id, Submission.definition_id.in_(definition_ids),
               Submission.status.in_(FINAL), Submission.purged_at.is_(None), closed_at < cutoff)
        .order_by(Submission.id)).all()
    rule = policy.rule("submissions_years")
    paths: list[Path] = []
    for submission, when in due:
        of_draft = UploadedFile.draft_id == submission.draft_id if submission.draft_id is not None else False
        files = _uploads(session, or_(UploadedFile.submission_id == submission.id, of_draft))
        paths += [file_path(upload_dir, upload) for upload in files]
        report.items.append(Purged(municipality.slug, key, "submission", submission.id, submission.reference, rule,
                                   when, len(files)))
        _anonymise(session, submission, files, now)
        record(session, SYSTEM, "retention.submission_anonymised", "submission", submission.id,
               municipality_id=municipality.id,
               detail={"reference": submission.reference, "procedure": key, "rule": rule,
                       "closed_at": when.isoformat() if when else None, "files": len(files), "at": now.isoformat()})
    session.flush()
    return paths


def _anonymise(session: Session, submission: Submission, files: list[UploadedFile], now: datetime) -> None:
    sid = submission.id
    draft_id = submission.draft_id
    submission.purged_at = now
    submission.answers = {}
    submission.identity_fields = []
    submission.correction_fields = []
    submission.applicant_name = ""
    submission.contact_email = None
    submission.resident_id = None
    submission.anonymous_key = None
    submission.identity_verification_note = ""
    submission.draft_id = None
    session.execute(update(SubmissionEvent).where(SubmissionEvent.submission_id == sid)
                    .values(message="", changes=[]).execution_options(synchronize_session=False))
    session.execute(delete(SubmissionNote).where(SubmissionNote.submission_id == sid))
    session.execute(delete(UploadedFile).where(UploadedFile.id.in_([f.id for f in files])))
    session.flush()
    if draft_id is not None:
        session.execute(delete(Draft).where(Draft.id == draft_id))
    # Payments stay, as the accounting record: amounts, statuses, dates and provider ids, no free text.
    payment_ids = select(Payment.id).where(Payment.submission_id == sid).scalar_subquery()
    session.execute(update(Payment).where(Payment.submission_id == sid)
                    .values(checkout_url=None, voucher_url=None, needs_refund_reason="")
                    .execution_options(synchronize_session=False))
    session.execute(update(PaymentTransition).where(PaymentTransition.payment_id.in_(payment_ids))
                    .values(note="").execution_options(synchronize_session=False))
    session.execute(update(Refund).where(Refund.payment_id.in_(payment_ids))
                    .values(reason="", error="").execution_options(synchronize_session=False))
    session.execute(update(SubmissionFee).where(SubmissionFee.submission_id == sid)
                    .values(reason="").execution_options(synchronize_session=False))
    purge_submission(session, submission)
