"""The resident's side of a correction request (補正依頼): a form with only the flagged fields, then resubmit."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from portal import db
from portal.identity import resident_required
from portal.mypage.blueprint import bp
from portal.mypage.ownership import own_submission_or_404
from portal.notifications import status as status_mail
from portal.procedures import correction, workflow
from portal.procedures.catalogue import definition_of
from portal.procedures.step_controller import answer_page, error_summary


def _latest_request(submission):
    events = correction.history(db.session(), submission)
    return next((e for e in reversed(events) if e.to_status == "correction_requested"), None)


@bp.route("/submissions/<reference>/correction", methods=["GET", "POST"])
@resident_required
def correction_form(reference: str):
    submission = own_submission_or_404(reference)
    if submission.status != "correction_requested":
        flash(_("この申請は補正を受け付けていません。"), "warning")
        return redirect(url_for(".submission", reference=reference))
    definition = definition_of(submission.definition)
    form = correction.step_form(db.session(), submission, g.resident, current_app.config)

    def render(states):
        return _render(submission, definition, states)

    def accept(reading):
        dbs = db.session()
        try:
            event = correction.resubmit(dbs, submission, reading)
            if event is None:
                return None
            status_mail.status_changed(dbs, submission, event, g.municipality)
            dbs.commit()
        except (workflow.IllegalTransition, StaleDataError):
            dbs.rollback()
            flash(_("申請の状況が変わったため、補正を送信できませんでした。内容を確認してください。"), "warning")
            return redirect(url_for(".submission", reference=reference))
        flash(_("補正した内容を送信しました。担当課で改めて確認します。"), "success")
        return redirect(url_for(".submission", reference=reference))

    return answer_page(form, render, accept)


def _render(submission, definition, states):
    return render_template(
        "mypage/correction.html",
        submission=submission,
        definition=definition,
        states=states,
        errors=error_summary(states),
        request_event=_latest_request(submission),
    )
