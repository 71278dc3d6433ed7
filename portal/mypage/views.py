"""マイページ: the resident's drafts and submissions in this municipality; every object URL checks ownership."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal import db
from portal.booking.services import booking as booking_service
from portal.clock import now
from portal.identity import resident_required
from portal.payments import withdrawal
from portal.payments.gateway import gateway
from portal.procedures import correction, journey
from portal.procedures.catalogue import definition_of
from portal.procedures.filenames import safe_filename
from portal.procedures.models import Draft, Submission, UploadedFile
from portal.procedures.workflow import can_withdraw
from portal.tenancy.scope import of_municipality, tenant_blueprint

bp = tenant_blueprint("mypage", __name__, url_prefix="/mypage", template_folder="templates")


def _own_submission_or_404(reference: str) -> Submission:
    submission = db.session().scalar(
        of_municipality(Submission).where(Submission.reference == reference, Submission.resident_id == g.resident.id)
    )
    if submission is None:
        abort(404)
    return submission


@bp.get("/")
@resident_required
def index():
    drafts = journey.open_drafts(db.session(), g.municipality, journey.Applicant(resident=g.resident))
    submissions = db.session().scalars(
        of_municipality(Submission)
        .where(Submission.resident_id == g.resident.id)
        .order_by(Submission.submitted_at.desc())
    ).all()
    return render_template(
        "mypage/index.html",
        drafts=[(d, definition_of(d.definition), journey.next_step(definition_of(d.definition), d)) for d in drafts],
        submissions=[(s, definition_of(s.definition)) for s in submissions],
        bookings=booking_service.upcoming(db.session(), g.municipality.id, g.resident, now()),
        now=now(),
    )


@bp.get("/drafts/<token>/delete")
@resident_required
def delete_draft_confirm(token: str):
    """What deleting a draft gives up (a booking's held slots are released at once); the form posts to
    ``procedures.delete_draft``."""
    draft = db.session().scalar(of_municipality(Draft).where(
        Draft.token == token, Draft.resident_id == g.resident.id, Draft.staff_user_id.is_(None),
        Draft.submitted_at.is_(None)))
    if draft is None:
        abort(404)
    return render_template("mypage/delete_draft.html", draft=draft, definition=definition_of(draft.definition))


@bp.get("/submissions/<reference>")
@resident_required
def submission(reference: str):
    submission = _own_submission_or_404(reference)
    definition = definition_of(submission.definition)
    answers = submission.answers
    sections = [
        (step, [(f, answers.get(f.id)) for f in step.visible_fields(answers)])
        for step in definition.visible_steps(answers)
    ]
    history = correction.history(db.session(), submission)
    return render_template(
        "mypage/submission.html",
        submission=submission,
        definition=definition,
        sections=sections,
        # a booking is cancelled from its reservation page, where the cancellation terms and refund are shown
        can_withdraw=can_withdraw(submission) and submission.definition.kind != "booking",
        history=history,
        correction_request=next((e for e in reversed(history) if e.to_status == "correction_requested"), None)
        if submission.status == "correction_requested" else None,
    )


@bp.get("/submissions/<reference>/withdraw")
@resident_required
def withdraw_confirm(reference: str):
    """Withdrawing touches the fee: say what happens to it before anything is done."""
    submission = _own_submission_or_404(reference)
    if submission.definition.kind == "booking":
        return redirect(url_for("booking.my_bookings"))
    if not can_withdraw(submission):
        flash(_("この申請は取り下げできません。取り下げ済みか、担当課が処理を始めています。"), "error")
        return redirect(url_for(".submission", reference=reference))
    return render_template("mypage/withdraw.html", submission=submission,
                           definition=definition_of(submission.definition),
                           plan=withdrawal.plan(db.session(), submission))


@bp.post("/submissions/<reference>/withdraw")
@resident_required
def withdraw_submission(reference: str):
    submission = _own_submission_or_404(reference)
    if submission.definition.kind == "booking":
        return redirect(url_for("booking.my_bookings"))
    done = withdrawal.withdraw(db.session(), gateway, submission, g.municipality)
    if done is None:  # a second click, or staff started on it at the same moment: their change stands
        flash(_("この申請は取り下げできません。取り下げ済みか、担当課が処理を始めています。"), "error")
        return redirect(url_for(".submission", reference=reference))
    flash(_("申請を取り下げました。%(money)s", money=done.text(done=True)), "success")
    return redirect(url_for(".submission", reference=reference))


@bp.get("/submissions/<reference>/files/<token>")
@resident_required
def download(reference: str, token: str):
    submission = _own_submission_or_404(reference)
    upload = db.session().scalar(
        select(UploadedFile).where(UploadedFile.token == token, UploadedFile.submission_id == submission.id)
    )
    if upload is None:
        abort(404)
    return send_file(
        journey.file_path(current_app.config["UPLOAD_DIR"], upload),
        mimetype=upload.content_type,
        as_attachment=True,
        download_name=safe_filename(upload.filename),  # names stored before uploads were cleaned too
    )


from portal.mypage import correction as _correction_views  # noqa: E402,F401  (registers /correction)
