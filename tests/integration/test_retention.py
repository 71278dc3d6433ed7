"""Retention of personal data (portal/retention), with time travel: ``run_retention(now=…)`` years ahead."""
from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.audit.service import SYSTEM, record
from portal.backoffice.models import SubmissionNote
from portal.db import utcnow
from portal.payments.models import Payment, PaymentTransition
from portal.procedures.history import SubmissionEvent
from portal.procedures.models import Draft, FormDefinition, Submission, UploadedFile
from portal.procedures.uploads import file_path
from portal.retention import policy_for, run_retention
from tests.integration.backoffice import make_submission, municipality

YEAR = timedelta(days=366)


def upload(db, app, submission=None, draft=None) -> Path:
    key = secrets.token_hex(16)
    row = UploadedFile(token=secrets.token_urlsafe(16), municipality_id=(submission or draft).municipality_id,
                       submission_id=submission.id if submission else None, draft_id=draft.id if draft else None,
                       field_id="f", filename="住民票.pdf", content_type="application/pdf", size=4, sha256="0" * 64,
                       storage_key=key)
    db.add(row)
    db.commit()
    path = file_path(app.config["UPLOAD_DIR"], row)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF")
    return path


def closed(db, slug="ichinomiya", status="completed", at=None, **fields) -> Submission:
    submission = make_submission(db, slug=slug, status=status, **fields)
    db.add(SubmissionEvent(submission_id=submission.id, from_status="in_review", to_status=status, actor_kind="staff",
                           message="山田様、交付しました", created_at=at or utcnow()))
    db.commit()
    return submission


def draft(db, slug="ichinomiya", key="juminhyo", **fields) -> Draft:
    m = municipality(db, slug)
    definition_id = db.scalar(select(FormDefinition.id).where(FormDefinition.key == key)
                              .order_by(FormDefinition.version.desc()).limit(1))
    row = Draft(token=secrets.token_urlsafe(32), municipality_id=m.id, definition_id=definition_id,
                answers={"name": "一宮 花子"}, **fields)
    db.add(row)
    db.commit()
    return row


def purge(app, db, now):
    with app.app_context():
        return run_retention(db, now=now)


def test_the_policy_is_the_procedures_else_the_municipalitys(db):
    m = municipality(db, "ichinomiya")
    assert policy_for(m, {}).rule("submissions_years") == "submissions_years=5 (municipality)"
    own = policy_for(m, {"retention": {"drafts_days": 7}})
    assert (own.drafts_days, own.submissions_years) == (7, 5)
    assert own.rule("drafts_days") == "drafts_days=7 (procedure)"


def test_stale_drafts_are_deleted_with_their_files_and_a_tombstone(app, db):
    anjo = municipality(db, "anjo")
    anjo.retention_drafts_days = 90
    db.commit()
    stale = draft(db)
    stale_file = upload(db, app, draft=stale)
    fresh = draft(db, updated_at=utcnow() + timedelta(days=20))
    submitted = draft(db, submitted_at=utcnow())
    other = draft(db, slug="anjo")  # as old, but 安城市 keeps drafts 90 days
    other_file = upload(db, app, draft=other)
    report = purge(app, db, now=utcnow() + timedelta(days=31))
    db.expire_all()
    left = set(db.scalars(select(Draft.id)))
    assert stale.id not in left and {fresh.id, submitted.id, other.id} <= left
    assert not stale_file.exists() and other_file.exists()
    assert list(db.scalars(select(UploadedFile.draft_id))) == [other.id]
    tombstones = db.scalars(select(AuditEvent).where(AuditEvent.action == "retention.drafts_deleted")).all()
    assert [t.detail["draft_ids"] for t in tombstones] == [[stale.id]]
    assert tombstones[0].detail["rule"] == "drafts_days=30 (municipality)" and tombstones[0].detail["files"] == 1
    assert tombstones[0].municipality_id == municipality(db, "ichinomiya").id and tombstones[0].object_id == "juminhyo"
    assert [(item.kind, item.municipality) for item in report.items] == [("draft", "ichinomiya")]
    # 90 days on, 安城市's turn
    purge(app, db, now=utcnow() + timedelta(days=91))
    db.expire_all()
    assert db.get(Draft, other.id) is None and not other_file.exists()


def test_closed_submissions_are_anonymised_after_the_years_and_the_accounting_record_stays(app, db, make_staff):
    staff = make_staff()
    old = closed(db)
    old_file = upload(db, app, submission=old)
    db.add(SubmissionNote(submission_id=old.id, staff_id=staff.id, body="電話で本人確認済み"))
    payment = Payment(municipality_id=old.municipality_id, submission_id=old.id, amount=900, status="paid",
                      method="card", idempotency_key="k-" + old.reference, paid_at=utcnow(),
                      voucher_url="https://pay.example/v/1")
    db.add(payment)
    db.flush()
    db.add(PaymentTransition(payment_id=payment.id, from_status="open", to_status="paid", source="webhook",
                             note="山田様より入金"))
    record(db, SYSTEM, "submission.view", "submission", old.id, municipality_id=old.municipality_id)
    db.commit()
    recent = closed(db, at=utcnow() + 4 * YEAR)  # closed four years later: its five years are not over
    still_open = make_submission(db, status="in_review")
    anjo = municipality(db, "anjo")
    anjo.retention_submissions_years = 10
    db.commit()
    anjo_old = closed(db, slug="anjo")
    audit_before = db.scalar(select(func.count()).select_from(AuditEvent))

    report = purge(app, db, now=utcnow() + 5 * YEAR + timedelta(days=2))

    db.expire_all()
    gone = db.get(Submission, old.id)
    assert gone.purged_at is not None and gone.answers == {} and gone.applicant_name == "" \
        and gone.contact_email is None
    assert gone.applicant_search in ("", "|") and gone.applicant_kana == ""
    assert gone.reference == old.reference and gone.status == "completed" and gone.fee_amount == 900
    assert [e.message for e in db.scalars(select(SubmissionEvent).where(SubmissionEvent.submission_id == old.id))] == \
        [""]
    assert db.scalar(select(SubmissionNote)) is None
    assert not old_file.exists() and db.scalar(select(UploadedFile).where(UploadedFile.submission_id == old.id)) is None
    kept = db.get(Payment, payment.id)
    assert (kept.amount, kept.status, kept.method, kept.voucher_url) == (900, "paid", "card", None)
    assert db.scalar(select(PaymentTransition.note).where(PaymentTransition.payment_id == payment.id)) == ""
    for untouched in (recent, still_open, anjo_old):
        row = db.get(Submission, untouched.id)
        assert row.purged_at is None and row.answers["name"] == "一宮 花子", untouched.reference
    # Audit: nothing changed, one tombstone added naming what, when and under which rule.
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == audit_before + 1
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "submission.view")) is not None
    tombstone = db.scalar(select(AuditEvent).where(AuditEvent.action == "retention.submission_anonymised"))
    assert tombstone.object_id == str(old.id) and tombstone.actor_kind == "system"
    assert tombstone.detail["reference"] == old.reference \
        and tombstone.detail["rule"] == "submissions_years=5 (municipality)"
    assert tombstone.detail["files"] == 1 and tombstone.detail["procedure"] == "juminhyo"
    assert [item.label for item in report.items] == [old.reference]
    # A second pass (or a second consumer) finds nothing more to do.
    assert purge(app, db, now=utcnow() + 5 * YEAR + timedelta(days=2)).items == []


def test_a_procedures_own_period_overrides_the_municipalitys(app, db):
    m = municipality(db, "ichinomiya")
    base = db.scalar(select(FormDefinition).where(FormDefinition.key == "juminhyo")
                     .order_by(FormDefinition.version.desc()).limit(1))
    content = {**base.content, "version": base.version + 1, "retention": {"submissions_years": 1, "drafts_days": 3}}
    db.add(FormDefinition(key="juminhyo", version=base.version + 1, municipality_id=None, kind=base.kind,
                          content=content, checksum="x" * 64))
    db.commit()
    old = closed(db)  # submitted under the older version: the procedure's current rule applies
    stale = draft(db)
    report = purge(app, db, now=utcnow() + YEAR + timedelta(days=1))
    assert {(item.kind, item.rule) for item in report.items} >= {
        ("submission", "submissions_years=1 (procedure)"), ("draft", "drafts_days=3 (procedure)")}
    db.expire_all()
    assert db.get(Submission, old.id).purged_at is not None and db.get(Draft, stale.id) is None
    assert m.retention_submissions_years == 5


def test_dry_run_says_what_it_would_purge_and_changes_nothing(app, db):
    old = closed(db)
    path = upload(db, app, submission=old)
    stale = draft(db)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention", "run", "--dry-run", "--as-of",
                                 (utcnow() + 5 * YEAR + timedelta(days=2)).isoformat()])
    assert result.exit_code == 0, result.output
    assert old.reference in result.output and f"draft {stale.id}" in result.output
    assert "would" in result.output and "submissions_years=5 (municipality)" in result.output
    db.expire_all()
    assert db.get(Submission, old.id).purged_at is None and db.get(Draft, stale.id) is not None and path.exists()
    assert db.scalar(select(AuditEvent).where(AuditEvent.action.like("retention.%"))) is None
    done = runner.invoke(args=["retention", "run", "--as-of", (utcnow() + 5 * YEAR + timedelta(days=2)).isoformat()])
    assert done.exit_code == 0 and "anonymised 1 submission" in done.output, done.output
    db.expire_all()
    assert db.get(Submission, old.id).purged_at is not None and not path.exists()


@pytest.mark.parametrize("status", ["rejected", "withdrawn"])
def test_rejected_and_withdrawn_are_closed_too(app, db, status):
    old = closed(db, status=status)
    purge(app, db, now=utcnow() + 5 * YEAR + timedelta(days=2))
    db.expire_all()
    assert db.get(Submission, old.id).purged_at is not None


def test_admins_see_the_policy_per_procedure(client, db, make_staff):
    from tests.integration.backoffice import sign_in_staff

    anjo = municipality(db, "anjo")
    anjo.retention_submissions_years = 10
    db.commit()
    sign_in_staff(client, make_staff(role="admin"))
    listing = client.get("/ichinomiya/backoffice/admin/procedures").get_data(as_text=True)
    assert "個人情報の保存期間" in listing and "申請: 終了後5年" in listing and "下書き: 30日" in listing
    detail = client.get("/ichinomiya/backoffice/admin/procedures/juminhyo").get_data(as_text=True)
    assert "完了・却下・取り下げから5年後" in detail and "自治体の既定値" in detail
    other = make_staff(slug="anjo", role="admin")
    anjo_client = client.application.test_client()
    sign_in_staff(anjo_client, other)
    assert "申請: 終了後10年" in anjo_client.get("/anjo/backoffice/admin/procedures").get_data(as_text=True)


def test_staff_still_open_an_anonymised_submission(app, client, db, make_staff):
    from tests.integration.backoffice import sign_in_staff

    old = closed(db, resident=None)
    purge(app, db, now=utcnow() + 5 * YEAR + timedelta(days=2))
    sign_in_staff(client, make_staff())
    for path in ("", "/print"):
        response = client.get(f"/ichinomiya/backoffice/submissions/{old.reference}{path}")
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert old.reference in page and "一宮 花子" not in page and "保存期間" in page
    queue = client.get("/ichinomiya/backoffice/?status=completed").get_data(as_text=True)
    assert old.reference in queue


def test_sent_emails_leave_the_outbox_and_pending_ones_stay(app, db):
    from portal.notifications.models import OutboxEmail

    ichinomiya, anjo = municipality(db, "ichinomiya"), municipality(db, "anjo")
    rows = {name: OutboxEmail(municipality_id=m.id, recipient="hanako@example.jp", subject="受付しました",
                              body="一宮 花子 様", status=status)
            for name, m, status in [("sent", ichinomiya, "sent"), ("failed", ichinomiya, "failed"),
                                    ("pending", ichinomiya, "pending"), ("anjo", anjo, "sent")]}
    db.add_all(rows.values())
    db.commit()
    app.config["OUTBOX_RETENTION_DAYS"], anjo_email = 30, rows["anjo"].id
    rows["anjo"].created_at = utcnow() + timedelta(days=10)  # queued later: not yet 30 days old
    db.commit()
    report = purge(app, db, now=utcnow() + timedelta(days=31))
    db.expire_all()
    assert {e.status for e in db.scalars(select(OutboxEmail))} == {"pending", "sent"}
    assert db.get(OutboxEmail, anjo_email) is not None
    tombstone = db.scalar(select(AuditEvent).where(AuditEvent.action == "retention.emails_deleted"))
    assert tombstone.detail["count"] == 2 and tombstone.municipality_id == ichinomiya.id
    assert report.count("emails") == 2


def test_two_passes_at_once_purge_once(app, db):
    from tests.integration.test_booking_concurrency import race

    old, stale = closed(db).id, draft(db).id
    now = utcnow() + 5 * YEAR + timedelta(days=2)
    results = race(app, lambda session, _i: run_retention(session, now=now))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(len(r.items) for r in results) == [0, 2]
    db.expire_all()
    actions = list(db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("retention.%"))
                              .order_by(AuditEvent.action)))
    assert actions == ["retention.drafts_deleted", "retention.submission_anonymised"]
    assert db.get(Submission, old).purged_at is not None and db.get(Draft, stale) is None


def test_a_definitions_retention_is_checked(db):
    from portal.procedures.definition import DefinitionError, validate

    base = db.scalar(select(FormDefinition).where(FormDefinition.key == "juminhyo")
                     .order_by(FormDefinition.version.desc()).limit(1)).content
    validate({**base, "retention": {"drafts_days": 14, "submissions_years": 10}}, "juminhyo.yaml")
    for wrong in ({"drafts_days": 0}, {"submissions_years": "5"}, {"keep_forever": True}):
        with pytest.raises(DefinitionError):
            validate({**base, "retention": wrong}, "juminhyo.yaml")


def test_looking_ahead_purges_only_dry_in_production(app, db):
    before, app.config["PORTAL_ENV"] = app.config["PORTAL_ENV"], "production"
    try:
        result = app.test_cli_runner().invoke(args=["retention", "run", "--as-of", "2040-01-01T00:00+09:00"])
        assert result.exit_code != 0 and "only with --dry-run" in result.output
        assert app.test_cli_runner().invoke(
            args=["retention", "run", "--dry-run", "--as-of", "2040-01-01T00:00+09:00"]).exit_code == 0
    finally:
        app.config["PORTAL_ENV"] = before


def test_lottery_applications_go_years_after_the_draw_and_the_draw_stays_verifiable(app, db, make_resident):
    from datetime import date, time

    from portal.booking.domain.calendar import jst
    from portal.booking.models import LotteryApplication, LotteryRound
    from portal.booking.services import lottery as lottery_service
    from tests.integration.booking_factory import make_facility

    lottery = {"schedule": {}, "scope": {"day_types": ["holiday"]},
               "policy": {"max_preferences": 3, "max_applications_per_person": 2, "win_cap_per_person": 1}}
    facilities = {slug: make_facility(db, municipality=slug, lottery=lottery) for slug in ("ichinomiya", "anjo")}
    with app.app_context():
        for slug, facility in facilities.items():
            lottery_service.apply(db, facility, make_resident(home=slug), lottery_service.Month(2027, 2),
                                  ["court-a/2027-02-06 09:00"], jst(date(2026, 12, 2), time(10)), "hanako@example.jp")
        lottery_service.run_due(db, jst(date(2026, 12, 11), time(9)))    # the seeds are committed
        lottery_service.run_due(db, jst(date(2026, 12, 12), time(10)))   # and the rounds drawn
    anjo = municipality(db, "anjo")
    anjo.retention_submissions_years = 10
    db.commit()
    assert db.scalar(select(func.count()).select_from(LotteryApplication)) == 2

    assert purge(app, db, now=jst(date(2031, 12, 11), time(10))).count("lottery_applications") == 0   # not yet
    report = purge(app, db, now=jst(date(2031, 12, 13), time(10)))
    assert report.count("lottery_applications") == 1
    db.expire_all()
    [left] = db.scalars(select(LotteryApplication)).all()
    assert left.municipality_id == anjo.id                    # another municipality keeps its own period
    tombstone = db.scalar(select(AuditEvent).where(AuditEvent.action == "retention.lottery_applications_deleted"))
    assert tombstone.detail["count"] == 1 and tombstone.detail["rule"] == "submissions_years=5 (municipality)"
    drawn = db.scalar(select(LotteryRound).where(LotteryRound.municipality_id == municipality(db, "ichinomiya").id))
    assert drawn.status in ("drawn", "finished") and lottery_service.verify(drawn) is True
