"""補正 (correction): the resident answers a correction request by changing only the fields staff flagged,
then resubmits. Every other answer stays exactly as it was — whatever the browser posts."""
from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import filetype
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict

from portal.identity.models import Resident
from portal.procedures import prefill, workflow
from portal.procedures.catalogue import definition_of
from portal.procedures.definition import Definition
from portal.procedures.fields import UploadContext
from portal.procedures.filenames import safe_filename
from portal.procedures.history import SubmissionEvent
from portal.procedures.journey import FieldState, fee_for, require_details
from portal.procedures.models import Submission, UploadedFile


def flagged_fields(definition: Definition, submission: Submission):
    """The flagged fields in the order the form shows them, with the detail text that belongs to a flagged
    choice (changing 使いみち to 「その他」 needs 使いみちの詳細 too)."""
    wanted = set(submission.correction_fields or [])
    wanted |= {f.id for f in definition.fields.values() if any(choice.id in wanted for choice, _v in f.detail_of)}
    return [f for step in definition.steps for f in step.fields if f.id in wanted]


def field_states(submission: Submission, resident: Resident | None) -> list[FieldState]:
    definition = definition_of(submission.definition)
    states = []
    for f in flagged_fields(definition, submission):
        filled = prefill.prefill_for(f.spec, resident)
        value = filled.value if filled and filled.locked else submission.answers.get(f.id)
        states.append(FieldState(field=f, raw=f.raw_from_value(value),
                                 prefill=filled if filled and filled.locked else None))
    return states


def _visible_ids(definition: Definition, answers: dict) -> set[str]:
    return {f.id for step in definition.visible_steps(answers) for f in step.visible_fields(answers)}


def resubmit(
    session: Session,
    submission: Submission,
    form: MultiDict,
    files: MultiDict | None,
    resident: Resident | None,
    upload_dir: str,
    max_bytes: int,
) -> tuple[list[FieldState], SubmissionEvent | None]:
    """Parse the flagged fields, apply them and move the submission to ``resubmitted``.

    Returns the states (with errors to show) and the event, which is None when nothing was saved. Raises
    ``workflow.IllegalTransition`` when the submission is no longer waiting for a correction."""
    if submission.status != "correction_requested":
        raise workflow.IllegalTransition(_("この申請は補正を受け付けていません。"))
    definition = definition_of(submission.definition)
    ctx = UploadContext(store=_store_for(session, submission, upload_dir), max_bytes=max_bytes)
    answers = dict(submission.answers)
    states: list[FieldState] = []
    for f in flagged_fields(definition, submission):
        filled = prefill.prefill_for(f.spec, resident)
        if filled and filled.locked:
            answers[f.id] = filled.value  # the card's current value stands
            states.append(FieldState(field=f, raw=f.raw_from_value(filled.value), prefill=filled))
            continue
        parsed = f.parse(form, files, ctx)
        value, errors = parsed.value, list(parsed.errors)
        if isinstance(value, dict) and value.get("keep"):
            current = submission.answers.get(f.id)
            value = current if isinstance(current, dict) and current.get("token") == value.get("token") else None
            if value is None and f.required:
                errors.append(f.required_message())
        states.append(FieldState(field=f, raw=parsed.raw, errors=errors))
        if value is None:
            answers.pop(f.id, None)
        else:
            answers[f.id] = value
    require_details(definition.fields.values(), states, answers)
    if any(s.errors for s in states):
        return states, None
    # A change that would show or hide other questions can't be made here: those answers weren't flagged.
    if _visible_ids(definition, answers) != _visible_ids(definition, submission.answers):
        message = _("この回答にすると、他の質問も変わるため、ここでは変更できません。担当課にお問い合わせください。")
        drivers = _condition_fields(definition)
        for s in [s for s in states if s.field.id in drivers] or states[:1]:
            s.errors.append(message)
        return states, None
    content = definition.content
    before = submission.answers
    submission.answers = definition.prune(answers)
    # Kept on the event, so staff see what the correction changed (and the history keeps every round).
    changes = [{"field": s.field.id, "before": before.get(s.field.id), "after": submission.answers.get(s.field.id)}
               for s in states]
    if content.get("applicant_name_field") in submission.correction_fields:
        submission.applicant_name = str(submission.answers.get(content["applicant_name_field"])
                                        or submission.applicant_name)
    if content.get("contact_email_field") in submission.correction_fields:
        submission.contact_email = submission.answers.get(content["contact_email_field"]) or submission.contact_email
    if (content.get("fee") or {}).get("rule") != "kind":  # a kind's fee rests on more than the answers
        submission.fee_amount = fee_for(submission.definition, submission.answers)
    event = workflow.transition(session, submission, "resubmitted", workflow.Actor("resident", submission.resident_id))
    event.changes = changes
    return states, event


def latest_changes(events: list[SubmissionEvent]) -> list[dict]:
    """What the most recent resubmission changed (empty when there was none)."""
    return next((e.changes or [] for e in reversed(events) if e.to_status == "resubmitted"), [])


def correctable_fields(definition: Definition, submission: Submission):
    """What staff may ask the resident to correct, by step: every shown field except the values the card
    gave to a locked field, which the resident cannot change (they come from the card again)."""
    answers = submission.answers
    from_card = set(submission.identity_fields or [])
    return [
        (step, [f for f in step.visible_fields(answers) if not (f.spec.get("locked") and f.id in from_card)])
        for step in definition.visible_steps(answers)
    ]


def _condition_fields(definition: Definition) -> set[str]:
    from portal.procedures import conditions

    names: set[str] = set()
    for step in definition.steps:
        names.update(conditions.referenced_fields(step.spec.get("when")))
        for f in step.fields:
            names.update(conditions.referenced_fields(f.spec.get("when")))
    return names


def _store_for(session: Session, submission: Submission, upload_dir: str):
    """A new file for a flagged file field belongs to the submission straight away."""

    def store(upload: FileStorage, field_id: str) -> dict:
        data = upload.stream.read()
        storage_key = secrets.token_hex(16)
        directory = Path(upload_dir) / storage_key[:2]
        directory.mkdir(parents=True, exist_ok=True)
        (directory / storage_key).write_bytes(data)
        kind = filetype.guess(data)
        record = UploadedFile(
            token=secrets.token_urlsafe(24),
            municipality_id=submission.municipality_id,
            submission_id=submission.id,
            field_id=field_id,
            filename=safe_filename(upload.filename),
            content_type=kind.mime if kind else "application/octet-stream",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_key=storage_key,
        )
        session.add(record)
        session.flush()
        return {"token": record.token, "filename": record.filename, "size": record.size,
                "content_type": record.content_type}

    return store


def history(session: Session, submission: Submission) -> list[SubmissionEvent]:
    return list(session.scalars(
        select(SubmissionEvent).where(SubmissionEvent.submission_id == submission.id).order_by(SubmissionEvent.id)
    ))
