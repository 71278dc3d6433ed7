"""書かない窓口 — counter mode. Staff fill a procedure in on a tablet together with the resident, record how
identity was verified and how the resident wants to hear from us, submit, and print a one-page summary
for the resident to check and sign.

The steps are the journey's (``journey.step_form``, ``save_step``, ``submit``) with no resident: nothing
is prefilled from a card here, staff type what the resident shows. Drafts carry ``staff_user_id`` and
belong to the staff member who started them; the resident-side views never show them.

A walk-in resident may have no email address: at the counter the definition's email fields are asked
for but never required (``counter_definition``; the resident's own journey still requires them), and
staff choose a 連絡方法 instead — 電話, 郵送, 窓口で受け取り or メール. Only メール leaves an address on the
submission, so every later email (receipt, status changes) goes out only when that was chosen; otherwise
the printed summary is the resident's confirmation and staff phone or write.
"""
from __future__ import annotations

import copy

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from portal import db
from portal.backoffice import common
from portal.backoffice.blueprint import bp
from portal.notifications import mail
from portal.procedures import journey
from portal.procedures.catalogue import definition_of, latest_version
from portal.procedures.definition import Definition
from portal.procedures.kinds import KINDS
from portal.procedures.models import Draft, FormDefinition
from portal.procedures.step_controller import answer_page, answer_sections, error_summary
from portal.staff.auth import staff_required

MAX_NOTE = 200

#: the field type each 連絡方法 needs an answer of
CONTACT_NEEDS = {"phone": "phone", "post": "address", "counter": None, "email": "email"}

_counter_built: dict[str, Definition] = {}


def counter_definition(row: FormDefinition) -> Definition:
    """The definition as staff fill it in at the counter: email fields are optional (the 連絡方法 on the
    check page says whether one is needed). Built once per published version, like ``definition_of``."""
    if row.checksum not in _counter_built:
        content = copy.deepcopy(row.content)
        for step in content["steps"]:
            for spec in step["fields"]:
                if spec["type"] == "email":
                    spec["required"] = False
        _counter_built[row.checksum] = Definition(content)
    return _counter_built[row.checksum]


def contact_methods(definition: Definition) -> dict:
    """The 連絡方法 this procedure can offer: those whose detail (phone, address, the contact email) it asks for."""
    types = {f.spec["type"] for f in definition.fields.values()}
    if not definition.content.get("contact_email_field"):
        types.discard("email")  # only the contact email field becomes the submission's address
    return {key: label for key, label in common.CONTACT_LABELS.items()
            if CONTACT_NEEDS[key] is None or CONTACT_NEEDS[key] in types}


def contact_problem(definition: Definition, answers: dict, method: str) -> str | None:
    """Why ``method`` cannot be used with these answers (a sentence for staff), or None."""
    if method not in contact_methods(definition):
        return _("連絡方法を選んでください")
    needed = CONTACT_NEEDS[method]
    if needed is None:
        return None
    if needed == "email":
        if _email_answer(definition, answers):
            return None
        return _("メールで連絡するには、申請者のメールアドレスを入力してください")
    visible = [f for step in definition.visible_steps(answers) for f in step.visible_fields(answers)]
    if any(f.spec["type"] == needed and answers.get(f.id) for f in visible):
        return None
    if needed == "phone":
        return _("電話で連絡するには、申請者の電話番号を入力してください")
    return _("郵送で連絡するには、申請者の住所を入力してください")


def _email_answer(definition: Definition, answers: dict) -> str | None:
    field = definition.content.get("contact_email_field")
    return answers.get(field) if field else None


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
        procedures=[(row, d) for row, d in common.procedures_in_scope(include_unpublished=True)
                    if KINDS[row.kind].offered_at_counter],
        drafts=[(d, counter_definition(d.definition), journey.next_step(counter_definition(d.definition), d))
                for d in drafts],
    )


@bp.post("/counter/<key>/start")
@staff_required()
def counter_start(key: str):
    row = latest_version(db.session(), g.municipality, key, include_unpublished=True)
    if row is None or not common.may_process(g.staff, key) or not KINDS[row.kind].offered_at_counter:
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
    definition = counter_definition(draft.definition)
    current, earlier = journey.locate_step(definition, draft, step_id)
    if current is None:
        abort(404)
    if earlier is not None:
        return redirect(url_for(".counter_step", token=token, step_id=earlier.id))
    returning = request.args.get("return") == "check"
    form = journey.step_form(db.session(), draft, current, None, current_app.config)

    def render(states):
        return _render_step(draft, definition, current, states, returning)

    def accept(reading):
        journey.save_step(draft, current, reading.answers)
        db.session().commit()
        following = journey.next_step(definition, draft)
        if following is None:
            return redirect(url_for(".counter_check", token=token))
        return redirect(url_for(".counter_step", token=token, step_id=following.id))

    return answer_page(form, render, accept)


def _render_step(draft, definition, current, states, returning):
    position, total = journey.step_position(definition, draft, current)
    return render_template(
        "backoffice/counter_step.html",
        nav="counter",
        draft=draft,
        definition=definition,
        step=current,
        states=states,
        errors=error_summary(states),
        position=position,
        total=total,
        back=journey.previous_step(definition, draft, current),
        returning=returning,
        asks_email=any(s.field.spec["type"] == "email" for s in states),
        asks_consent=any(s.field.spec["type"] == "consent" for s in states),
    )


@bp.get("/counter/drafts/<token>/check")
@staff_required()
def counter_check(token: str):
    draft = _draft_or_404(token)
    if draft.submitted_at is not None:
        return _to_summary(draft)
    return _render_check(draft)


def _render_check(draft, errors=None, kept=None, status=200):
    definition = counter_definition(draft.definition)
    missing = journey.next_step(definition, draft)
    if missing is not None:
        return redirect(url_for(".counter_step", token=draft.token, step_id=missing.id))
    answers = definition.prune(draft.answers)
    kept = kept or {}
    if "contact_method" not in kept and _email_answer(definition, answers):
        kept["contact_method"] = "email"  # an address was given: email is what the resident expects
    return render_template(
        "backoffice/counter_check.html",
        nav="counter",
        draft=draft,
        definition=definition,
        sections=answer_sections(definition, answers),
        fee=journey.draft_fee(db.session(), draft, answers),
        verification_labels=common.VERIFICATION_LABELS,
        contact_methods=contact_methods(definition),
        errors=errors or [],
        kept=kept,
    ), status


@bp.post("/counter/drafts/<token>/submit")
@staff_required()
def counter_submit(token: str):
    draft = _draft_or_404(token)
    if draft.submitted_at is not None:
        return _to_summary(draft)
    method = request.form.get("verification", "")
    note = request.form.get("verification_note", "").strip()
    definition = counter_definition(draft.definition)
    answers = definition.prune(draft.answers)
    # A form without the choice (an older page) means email when an address was given, as the page preselects.
    contact = request.form.get("contact_method") or ("email" if _email_answer(definition, answers) else "")
    kept = {"verification": method, "verification_note": note, "contact_method": contact}
    errors = []
    if method not in common.VERIFICATION_LABELS:
        errors.append({"href": "#f-verification", "message": _("本人確認の方法を選んでください")})
    elif method == "other" and not note:
        errors.append({"href": "#f-verification_note", "message": _("確認した書類の名前を入力してください")})
    elif len(note) > MAX_NOTE:
        errors.append({"href": "#f-verification_note",
                       "message": _("確認した書類は%(n)s文字以内で入力してください", n=MAX_NOTE)})
    problem = contact_problem(definition, answers, contact)
    if problem:
        errors.append({"href": "#f-contact_method", "message": problem})
    if errors:
        return _render_check(draft, errors, kept, 422)
    dbs = db.session()
    try:
        submission, created = journey.submit(dbs, draft, journey.Applicant(), channel="counter")
        if created:
            submission.counter_staff_id = g.staff.id
            submission.identity_verification = method
            submission.identity_verification_note = note
            submission.contact_method = contact
            if contact != "email":
                submission.contact_email = None  # the resident asked to hear by phone, post or at the counter
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
    flash(_("申請を受け付けました（受付番号 %(reference)s）。控えを印刷して申請者に内容を確認してもらい、"
            "署名をもらってください。",
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
