"""書かない窓口 — counter mode. Staff fill a procedure in on a tablet together with the resident, record how
identity was verified, and submit; the submission remembers it was made at the counter and by whom.

The steps reuse the journey services (``field_states``, ``save_step``, ``submit``) with no resident: nothing
is prefilled from a card here, staff type what the resident shows. Drafts carry ``staff_user_id`` and
belong to the staff member who started them; the resident-side views never show them.
"""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from portal import db
from portal.backoffice import common
from portal.backoffice.views import bp
from portal.notifications import mail
from portal.procedures import journey
from portal.procedures.catalogue import definition_of, latest_version
from portal.procedures.models import Draft
from portal.staff.auth import staff_required

MAX_NOTE = 200


def _draft_or_404(token: str) -> Draft:
    draft = db.session().scalar(select(Draft).where(Draft.token == token, Draft.municipality_id == g.municipality.id))
    if draft is None or draft.staff_user_id != g.staff.id or not common.may_process(g.staff, draft.definition.key):
        abort(404)
    return draft


@bp.get("/counter/")
@staff_required()
def counter():
    drafts = db.session().scalars(
        select(Draft).where(Draft.municipality_id == g.municipality.id, Draft.staff_user_id == g.staff.id,
                            Draft.submitted_at.is_(None)).order_by(Draft.updated_at.desc())
    ).all()
    return render_template(
        "backoffice/counter.html",
        nav="counter",
        # facility bookings at the counter start from the slots (施設予約 → 窓口予約), not from an empty form
        procedures=[(row, d) for row, d in common.procedures_in_scope(include_unpublished=True) if row.kind != "booking"],
        drafts=[(d, definition_of(d.definition), journey.next_step(definition_of(d.definition), d)) for d in drafts],
    )


@bp.post("/counter/<key>/start")
@staff_required()
def counter_start(key: str):
    row = latest_version(db.session(), g.municipality, key, include_unpublished=True)
    if row is None or not common.may_process(g.staff, key) or row.kind == "booking":
        abort(404)
    draft = journey.start_draft(db.session(), g.municipality, row, journey.Applicant())
    draft.staff_user_id = g.staff.id
    db.session().commit()
    return redirect(url_for(".counter_step", token=draft.token, step_id=draft.current_step))


@bp.route("/counter/drafts/<token>/steps/<step_id>", methods=["GET", "POST"])
@staff_required()
def counter_step(token: str, step_id: str):
    draft = _draft_or_404(token)
    if draft.submitted_at is not None:
        return _to_summary(draft)
    definition = definition_of(draft.definition)
    current = definition.step(step_id)
    visible = definition.visible_steps(draft.answers)
    if current is None or current not in visible:
        abort(404)
    following = journey.next_step(definition, draft)
    if following is not None and visible.index(current) > visible.index(following):
        return redirect(url_for(".counter_step", token=token, step_id=following.id))
    returning = request.args.get("return") == "check"
    if request.method == "GET":
        return _render_step(draft, definition, current, journey.field_states(definition, draft, current, None), returning)
    if request.form.get("field_action"):
        return _render_step(draft, definition, current, _after_field_action(definition, draft, current), returning)
    states = journey.save_step(db.session(), draft, current, request.form, request.files, None,
                               current_app.config["UPLOAD_DIR"], current_app.config["UPLOAD_MAX_BYTES"])
    db.session().commit()
    if any(s.errors for s in states):
        return _render_step(draft, definition, current, states, returning), 422
    following = journey.next_step(definition, draft)
    if following is None:
        return redirect(url_for(".counter_check", token=token))
    return redirect(url_for(".counter_step", token=token, step_id=following.id))


def _after_field_action(definition, draft, current):
    """The postal-code lookup without JavaScript: redisplay with the address filled in, save nothing."""
    target = request.form["field_action"]
    states = []
    for s in journey.field_states(definition, draft, current, None):
        if s.field.spec["type"] != "file":
            s.raw = s.field.parse(request.form, None, None).raw
        if s.field.id == target:
            s.raw, s.errors = s.field.perform_action(request.form)
        states.append(s)
    return states


def _render_step(draft, definition, current, states, returning):
    position, total = journey.step_position(definition, draft, current)
    errors = [{"href": f"#f-{s.field.input_names()[0]}", "message": m} for s in states for m in s.errors]
    return render_template(
        "backoffice/counter_step.html",
        nav="counter",
        draft=draft,
        definition=definition,
        step=current,
        states=states,
        errors=errors,
        position=position,
        total=total,
        back=journey.previous_step(definition, draft, current),
        returning=returning,
    )


def _sections(definition, answers):
    return [
        (step, [(f, answers.get(f.id)) for f in step.visible_fields(answers)])
        for step in definition.visible_steps(answers)
    ]


@bp.get("/counter/drafts/<token>/check")
@staff_required()
def counter_check(token: str):
    draft = _draft_or_404(token)
    if draft.submitted_at is not None:
        return _to_summary(draft)
    return _render_check(draft)


def _render_check(draft, errors=None, kept=None, status=200):
    definition = definition_of(draft.definition)
    missing = journey.next_step(definition, draft)
    if missing is not None:
        return redirect(url_for(".counter_step", token=draft.token, step_id=missing.id))
    answers = definition.prune(draft.answers)
    return render_template(
        "backoffice/counter_check.html",
        nav="counter",
        draft=draft,
        definition=definition,
        sections=_sections(definition, answers),
        fee=journey.draft_fee(db.session(), draft, answers),
        verification_labels=common.VERIFICATION_LABELS,
        errors=errors or [],
        kept=kept or {},
    ), status


@bp.post("/counter/drafts/<token>/submit")
@staff_required()
def counter_submit(token: str):
    draft = _draft_or_404(token)
    if draft.submitted_at is not None:
        return _to_summary(draft)
    method = request.form.get("verification", "")
    note = request.form.get("verification_note", "").strip()
    kept = {"verification": method, "verification_note": note}
    errors = []
    if method not in common.VERIFICATION_LABELS:
        errors.append({"href": "#f-verification", "message": _("本人確認の方法を選んでください")})
    elif method == "other" and not note:
        errors.append({"href": "#f-verification_note", "message": _("確認した書類の名前を入力してください")})
    elif len(note) > MAX_NOTE:
        errors.append({"href": "#f-verification_note", "message": _("確認した書類は%(n)s文字以内で入力してください", n=MAX_NOTE)})
    if errors:
        return _render_check(draft, errors, kept, 422)
    dbs = db.session()
    try:
        submission, created = journey.submit(dbs, draft, journey.Applicant(), channel="counter")
        if created:
            submission.counter_staff_id = g.staff.id
            submission.identity_verification = method
            submission.identity_verification_note = note
            dbs.flush()
            common.audit("counter.submit", "submission", submission.reference, verification=method,
                         procedure=draft.definition.key)
            _queue_receipt(submission)
        dbs.commit()
    except journey.NotReady:
        dbs.rollback()
        return redirect(url_for(".counter_check", token=token))
    except (IntegrityError, OperationalError):
        dbs.rollback()
        submission = journey.submission_for_draft(dbs, draft)
        if submission is None:
            raise
    mail.send_pending(dbs)
    flash(_("申請を受け付けました（受付番号 %(reference)s）。内容を印刷して、申請者に確認してもらってください。",
            reference=submission.reference), "success")
    return redirect(url_for(".print_summary", reference=submission.reference))


def _queue_receipt(submission) -> None:
    definition = definition_of(submission.definition)
    mail.queue(
        db.session(), submission.contact_email, "counter_received", "ja", submission.municipality_id,
        municipality=g.municipality, submission=submission, title=definition.title,
        next_steps=definition.text("next_steps"),
    )


@bp.post("/counter/drafts/<token>/delete")
@staff_required()
def counter_discard(token: str):
    draft = _draft_or_404(token)
    if draft.submitted_at is None:
        db.session().delete(draft)
        db.session().commit()
        flash(_("入力中の申請を破棄しました。"), "success")
    return redirect(url_for(".counter"))


def _to_summary(draft: Draft):
    submission = journey.submission_for_draft(db.session(), draft)
    return redirect(url_for(".print_summary", reference=submission.reference))
