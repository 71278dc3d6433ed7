"""The resident's side of a correction request (補正依頼): a form with only the flagged fields, then resubmit."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from portal import db
from portal.identity import resident_required
from portal.mypage.views import _own_submission_or_404, bp
from portal.notifications import status as status_mail
from portal.procedures import correction, workflow
from portal.procedures.catalogue import definition_of


def _latest_request(submission):
    events = correction.history(db.session(), submission)
    return next((e for e in reversed(events) if e.to_status == "correction_requested"), None)


@bp.route("/submissions/<reference>/correction", methods=["GET", "POST"])
@resident_required
def correction_form(reference: str):
    submission = _own_submission_or_404(reference)
    if submission.status != "correction_requested":
        flash(_("この申請は補正を受け付けていません。"), "warning")
        return redirect(url_for(".submission", reference=reference))
    definition = definition_of(submission.definition)
    if request.method == "GET":
        states = correction.field_states(submission, g.resident)
        return _render(submission, definition, states)
    if request.form.get("field_action"):
        return _render(submission, definition, _after_field_action(submission))
    dbs = db.session()
    try:
        states, event = correction.resubmit(
            dbs, submission, request.form, request.files, g.resident,
            current_app.config["UPLOAD_DIR"], current_app.config["UPLOAD_MAX_BYTES"],
        )
        if event is None:
            dbs.commit()  # a file that passed is kept even when another field failed
            return _render(submission, definition, states), 422
        status_mail.status_changed(dbs, submission, event, g.municipality)
        dbs.commit()
    except (workflow.IllegalTransition, StaleDataError):
        dbs.rollback()
        flash(_("申請の状況が変わったため、補正を送信できませんでした。内容を確認してください。"), "warning")
        return redirect(url_for(".submission", reference=reference))
    flash(_("補正した内容を送信しました。担当課で改めて確認します。"), "success")
    return redirect(url_for(".submission", reference=reference))


def _render(submission, definition, states):
    errors = [{"href": f"#f-{s.field.input_names()[0]}", "message": m} for s in states for m in s.errors]
    return render_template(
        "mypage/correction.html",
        submission=submission,
        definition=definition,
        states=states,
        errors=errors,
        request_event=_latest_request(submission),
    )


def _after_field_action(submission):
    """The postal-code lookup without JavaScript: redisplay with the address filled in, save nothing."""
    target = request.form["field_action"]
    states = correction.field_states(submission, g.resident)
    for s in states:
        if s.prefill and s.prefill.locked:
            continue
        if s.field.spec["type"] != "file":
            s.raw = s.field.parse(request.form, None, None).raw
        if s.field.id == target:
            s.raw, s.errors = s.field.perform_action(request.form)
    return states
