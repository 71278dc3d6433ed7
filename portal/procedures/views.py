"""Resident journey: start page → one topic per page → check answers → submit → confirmation."""
from __future__ import annotations

import secrets
import time

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload

from portal import db, page_cache
from portal.i18n import current_lang
from portal.notifications import addressee, mail
from portal.payments import breakdown
from portal.procedures import anonymous, journey, postal
from portal.procedures.catalogue import definition_of, latest_version
from portal.procedures.kinds import KINDS, KindRefused
from portal.procedures.models import Draft, Submission
from portal.procedures.step_controller import answer_page, answer_sections, error_summary
from portal.ratelimit import client_address
from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("procedures", __name__, template_folder="templates")
SUBMIT_ATTEMPTS = 4


def _applicant() -> journey.Applicant:
    return journey.Applicant.from_browser_key(g.resident, session.get("browser_key"), current_lang())


def _definition_row_or_404(key: str):
    row = latest_version(db.session(), g.municipality, key)
    if row is None:
        abort(404)
    return row


# Built once, and with its definition row in the same query: every step of every form runs it.
_DRAFT = (select(Draft).options(joinedload(Draft.definition))
          .where(Draft.token == bindparam("token"), Draft.municipality_id == bindparam("municipality_id")))


def _draft_or_404(token: str) -> Draft:
    """Someone else's draft is indistinguishable from one that doesn't exist."""
    draft = db.session().scalar(_DRAFT, {"token": token, "municipality_id": g.municipality.id})
    if draft is None or draft.staff_user_id is not None or not _applicant().owns(draft):
        abort(404)
    return draft


@bp.get("/procedures/<key>")
def start_page(key: str):
    row = _definition_row_or_404(key)
    if elsewhere := KINDS[row.kind].start_url(row):
        return redirect(elsewhere)
    return _render_start(row)


def _render_start(row, refusal: str | None = None, status: int = 200):
    page_cache.share(page_cache.DEFINITION_SECONDS)  # kept only when it has no form token and no drafts listed
    definition = definition_of(row)
    blocked = journey.may_use(definition, g.resident, g.municipality)
    drafts = journey.open_drafts(db.session(), g.municipality, _applicant(), key=row.key)
    return render_template(
        "procedures/start.html",
        row=row,
        definition=definition,
        blocked=blocked,
        drafts=drafts,
        fee_rule=definition.content.get("fee"),
        refusal=refusal,
    ), status


@bp.post("/procedures/<key>/start")
def start(key: str):
    row = _definition_row_or_404(key)
    if elsewhere := KINDS[row.kind].start_url(row):
        return redirect(elsewhere, 303)
    definition = definition_of(row)
    blocked = journey.may_use(definition, g.resident, g.municipality)
    if blocked == "sign_in":
        # Back from sign-in straight to the first question, not to this page's button again.
        return redirect(url_for("identity.login", next=url_for(".start_after_sign_in", key=key)))
    if blocked:
        abort(403)
    if g.resident is None:
        refusal = anonymous.start_refusal(db.session(), g.municipality, client_address())
        if refusal:
            return _render_start(row, refusal, 429)
        if not session.get("browser_key"):
            session["browser_key"] = secrets.token_urlsafe(32)
    draft = journey.start_draft(db.session(), g.municipality, row, _applicant())
    db.session().commit()
    return redirect(url_for(".step", token=draft.token, step_id=draft.current_step))


@bp.get("/procedures/<key>/start")
def start_after_sign_in(key: str):
    """Where sign-in returns a resident who pressed 「ログインして申請をはじめる」. A GET, so it must be safe to
    follow twice (or from a link): it reuses an untouched draft of this procedure before making one."""
    row = _definition_row_or_404(key)
    if KINDS[row.kind].start_url(row) or g.resident is None:
        return redirect(url_for(".start_page", key=key))
    if journey.may_use(definition_of(row), g.resident, g.municipality):
        return redirect(url_for(".start_page", key=key))
    untouched = [d for d in journey.open_drafts(db.session(), g.municipality, _applicant(), key=key)
                 if not d.answers and not d.completed_steps]
    draft = untouched[0] if untouched else journey.start_draft(db.session(), g.municipality, row, _applicant())
    db.session().commit()
    return redirect(url_for(".step", token=draft.token, step_id=draft.current_step))


@bp.route("/drafts/<token>/steps/<step_id>", methods=["GET", "POST"])
def step(token: str, step_id: str):
    draft = _draft_or_404(token)
    if draft.submitted_at is not None:
        return _to_confirmation(draft)
    definition = definition_of(draft.definition)
    current, earlier = journey.locate_step(definition, draft, step_id)
    if current is None:
        abort(404)
    if earlier is not None:
        return redirect(url_for(".step", token=token, step_id=earlier.id))
    returning = request.args.get("return") == "check"
    form = journey.step_form(db.session(), draft, current, g.resident, current_app.config)

    def render(states):
        return _render_step(draft, definition, current, states, returning)

    def accept(reading):
        journey.save_step(draft, current, reading.answers)
        db.session().commit()
        if request.form.get("intent") == "later":
            flash(_("下書きを保存しました。マイページから続きを入力できます。"), "success")
            return redirect(url_for("mypage.index") if g.resident else url_for(".start_page", key=draft.definition.key))
        following = journey.next_step(definition, draft)
        if following is None:
            return redirect(url_for(".check", token=token))
        return redirect(url_for(".step", token=token, step_id=following.id))

    return answer_page(form, render, accept)


def _render_step(draft, definition, current, states, returning):
    position, total = journey.step_position(definition, draft, current)
    back = journey.previous_step(definition, draft, current)
    return render_template(
        "procedures/step.html",
        draft=draft,
        definition=definition,
        step=current,
        states=states,
        errors=error_summary(states),
        position=position,
        total=total,
        back=back,
        returning=returning,
    )


@bp.get("/drafts/<token>/check")
def check(token: str):
    draft = _draft_or_404(token)
    if draft.submitted_at is not None:
        return _to_confirmation(draft)
    return _render_check(draft)


def _render_check(draft: Draft, refusal: str | None = None, status: int = 200):
    definition = definition_of(draft.definition)
    missing = journey.next_step(definition, draft)
    if missing is not None:
        return redirect(url_for(".step", token=draft.token, step_id=missing.id))
    answers = definition.prune(draft.answers)
    sections = answer_sections(definition, answers)
    fee = journey.draft_fee(db.session(), draft, answers)
    return render_template(
        "procedures/check.html",
        draft=draft,
        definition=definition,
        sections=sections,
        fee=fee,
        fee_text=breakdown.breakdown_text(breakdown.of_draft(db.session(), draft, answers, fee), fee),
        held_back=KINDS[draft.definition.kind].submit_held_back(db.session(), draft),
        refusal=refusal,
    ), status


@bp.post("/drafts/<token>/submit")
def submit(token: str):
    draft = _draft_or_404(token)
    dbs = db.session()
    if g.resident is None and draft.submitted_at is None:
        # Counted before this request writes anything: on SQLite the counters wait for the write lock.
        refusal = (anonymous.submit_refusal(client_address())
                   or anonymous.recipient_refusal(anonymous.contact_address(draft)))
        if refusal:
            return _render_check(draft, refusal, 429)
    for attempt in range(SUBMIT_ATTEMPTS):
        try:
            submission, created = journey.submit(dbs, draft, _applicant())
            if created:
                _queue_confirmation(submission)
            dbs.commit()
            break
        except journey.NotReady:
            dbs.rollback()
            return redirect(url_for(".check", token=token))
        except KindRefused as refused:
            dbs.rollback()
            flash(refused.message, "error")
            return redirect(url_for(".check", token=token))
        except (IntegrityError, OperationalError):
            # The other click won the race: show its result. On SQLite the loser may instead be told
            # "database is locked" while the winner is still writing: then try again once it is done.
            dbs.rollback()
            submission = journey.submission_for_draft(dbs, draft)
            if submission is not None:
                break
            if attempt == SUBMIT_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
            draft = _draft_or_404(token)
    _remember_anonymous(submission)
    return redirect(url_for(".confirmation", reference=submission.reference))


def _queue_confirmation(submission: Submission) -> None:
    definition = definition_of(submission.definition)
    unverified = addressee.is_unverified_sender(submission)
    mail.queue(
        db.session(),
        submission.contact_email,
        "submission_received",
        submission.lang,
        submission.municipality_id,
        municipality=g.municipality,
        submission=submission,
        title=definition.title,
        next_steps=definition.text("next_steps"),
        greeting_name=addressee.greeting_name(submission),
        unverified=unverified,
        status_url=None if unverified else url_for("mypage.submission", reference=submission.reference, _external=True),
        attachments=KINDS[submission.definition.kind].email_attachments(db.session(), submission),
    )


def _remember_anonymous(submission: Submission) -> None:
    if submission.resident_id is None:
        refs = session.get("submitted", [])[-9:]
        session["submitted"] = refs + [submission.reference]


def _to_confirmation(draft: Draft):
    submission = journey.submission_for_draft(db.session(), draft)
    return redirect(url_for(".confirmation", reference=submission.reference))


@bp.post("/drafts/<token>/delete")
def delete_draft(token: str):
    draft = _draft_or_404(token)
    if draft.submitted_at is None:
        KINDS[draft.definition.kind].on_discard(db.session(), draft)
        db.session().delete(draft)
        db.session().commit()
        flash(_("下書きを削除しました。"), "success")
    return redirect(url_for("mypage.index") if g.resident else url_for("municipal.catalogue"))


@bp.get("/submissions/<reference>/confirmation")
def confirmation(reference: str):
    submission = db.session().scalar(
        select(Submission).where(Submission.reference == reference, Submission.municipality_id == g.municipality.id)
    )
    if submission is None or not _applicant().owns(submission):
        abort(404)
    definition = definition_of(submission.definition)
    return render_template("procedures/confirmation.html", submission=submission, definition=definition)


api = Blueprint("procedures_api", __name__)


@api.get("/api/postal-codes/<code>")
def postal_code(code: str):
    """JSON for the progressive-enhancement script; the same lookup runs server-side without JS."""
    found = postal.lookup(code)
    if found is None:
        return {"error": "not_found"}, 404
    return found
