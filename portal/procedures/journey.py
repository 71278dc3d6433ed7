"""The resident's journey as services: start a draft, save a step, check, submit.

Views parse the request and call these; tests call them directly. Nothing here commits.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import filetype
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict

from portal.db import utcnow
from portal.identity.models import Resident
from portal.procedures import prefill
from portal.procedures.catalogue import definition_of
from portal.procedures.definition import Definition, Step
from portal.procedures.fields import FieldType, UploadContext
from portal.procedures.filenames import safe_filename
from portal.procedures.kinds import KINDS
from portal.procedures.models import Draft, FormDefinition, Submission, UploadedFile
from portal.procedures.reference import new_reference
from portal.tenancy.models import Municipality


@dataclass
class Applicant:
    """Who is filling the form: a signed-in resident, or an anonymous browser session."""

    resident: Resident | None = None
    anonymous_key: str | None = None
    #: the language they are reading the form in; the submission keeps it for its emails
    lang: str = "ja"

    @classmethod
    def from_browser_key(cls, resident: Resident | None, browser_key: str | None, lang: str = "ja") -> Applicant:
        hashed = hashlib.sha256(browser_key.encode()).hexdigest() if browser_key else None
        return cls(resident=resident, anonymous_key=None if resident else hashed, lang=lang)

    def owns(self, obj: Draft | Submission) -> bool:
        if self.resident is not None:
            return obj.resident_id == self.resident.id
        return obj.resident_id is None and self.anonymous_key is not None and obj.anonymous_key == self.anonymous_key


def may_use(definition: Definition, resident: Resident | None, municipality: Municipality) -> str | None:
    """Why this person may not use the procedure (a reason code), or None."""
    if definition.audience == "anyone":
        return None
    if resident is None:
        return "sign_in"
    if definition.audience == "residents":
        address = (resident.claims or {}).get("address") or {}
        if address.get("region") != municipality.prefecture or address.get("locality") != municipality.name:
            return "not_resident"
    return None


def open_drafts(session: Session, municipality: Municipality, applicant: Applicant,
                key: str | None = None) -> list[Draft]:
    query = (
        select(Draft)
        .join(FormDefinition)
        .where(Draft.municipality_id == municipality.id, Draft.submitted_at.is_(None), Draft.staff_user_id.is_(None))
        .order_by(Draft.updated_at.desc())
    )
    if applicant.resident is not None:
        query = query.where(Draft.resident_id == applicant.resident.id)
    elif applicant.anonymous_key:
        query = query.where(Draft.resident_id.is_(None), Draft.anonymous_key == applicant.anonymous_key)
    else:
        return []
    if key:
        query = query.where(FormDefinition.key == key)
    return list(session.scalars(query))


def start_draft(session: Session, municipality: Municipality, row: FormDefinition, applicant: Applicant) -> Draft:
    definition = definition_of(row)
    draft = Draft(
        token=secrets.token_urlsafe(24),
        municipality_id=municipality.id,
        definition_id=row.id,
        resident_id=applicant.resident.id if applicant.resident else None,
        anonymous_key=applicant.anonymous_key,
        answers={},
        completed_steps=[],
        current_step=definition.steps[0].id,
    )
    session.add(draft)
    session.flush()
    return draft


@dataclass
class FieldState:
    field: FieldType
    raw: dict
    errors: list[str] = field(default_factory=list)
    prefill: prefill.Prefilled | None = None


def field_states(definition: Definition, draft: Draft, step: Step, resident: Resident | None) -> list[FieldState]:
    """What each visible field of a step shows: the saved answer, else the prefilled value."""
    states = []
    for f in step.visible_fields(draft.answers):
        filled = prefill.prefill_for(f.spec, resident)
        if filled and filled.locked:
            value = filled.value
        elif f.id in draft.answers:
            value = draft.answers[f.id]
        else:
            value = filled.value if filled else None
        states.append(FieldState(field=f, raw=f.raw_from_value(value), prefill=filled))
    return states


def save_step(
    session: Session,
    draft: Draft,
    step: Step,
    form: MultiDict,
    files: MultiDict,
    resident: Resident | None,
    upload_dir: str,
    max_bytes: int,
) -> list[FieldState]:
    """Parse and validate one step. On success the answers are saved; either way the states are returned
    so a failed page shows every answer exactly as typed."""
    definition = definition_of(draft.definition)
    files_ctx = UploadContext(store=_file_store(session, draft, upload_dir), max_bytes=max_bytes)
    states: list[FieldState] = []
    new_answers: dict = {}
    for f in step.visible_fields(draft.answers):
        filled = prefill.prefill_for(f.spec, resident)
        if filled and filled.locked:
            # The card's value stands: what the browser posts for a locked field is ignored.
            new_answers[f.id] = filled.value
            states.append(FieldState(field=f, raw=f.raw_from_value(filled.value), prefill=filled))
            continue
        parsed = f.parse(form, files, files_ctx)
        value = parsed.value
        errors = list(parsed.errors)
        if isinstance(value, dict) and value.get("keep"):
            value = _kept_file(session, draft, f.id, value.get("token"))
            if value is None and f.required:
                errors.append(f.required_message())
        states.append(FieldState(field=f, raw=parsed.raw, errors=errors, prefill=filled))
        if value is not None:
            new_answers[f.id] = value
    require_details([s.field for s in states], states, new_answers)
    if any(s.errors for s in states):
        return states
    answers = {k: v for k, v in draft.answers.items() if k not in {f.id for f in step.fields}}
    answers.update(new_answers)
    draft.answers = definition.prune(answers)
    completed = [s for s in draft.completed_steps if s != step.id] + [step.id]
    visible_ids = [s.id for s in definition.visible_steps(draft.answers)]
    draft.completed_steps = [s for s in visible_ids if s in completed]
    following = next_step(definition, draft)
    draft.current_step = following.id if following else "check"
    draft.updated_at = utcnow()
    return states


def require_details(fields: Iterable[FieldType], states: list[FieldState], answers: dict) -> None:
    """An option that asks for its detail (「その他」 → 具体的に) makes that field required: the message goes
    on the detail field when it is one of ``states`` (the fields on the page)."""
    by_id = {s.field.id: s for s in states}
    for f in fields:
        if answers.get(f.id) is None:
            continue
        for option_label, detail_id in f.required_details(answers[f.id]):
            target = by_id.get(detail_id)
            if target is not None and answers.get(detail_id) is None and not target.errors:
                target.errors.append(target.field.detail_required_message(option_label))


def next_step(definition: Definition, draft: Draft) -> Step | None:
    """The first visible step not yet completed, or None when the draft is ready to check."""
    for step in definition.visible_steps(draft.answers):
        if step.id not in draft.completed_steps:
            return step
    return None


def step_position(definition: Definition, draft: Draft, step: Step) -> tuple[int, int]:
    visible = definition.visible_steps(draft.answers)
    ids = [s.id for s in visible]
    return (ids.index(step.id) + 1 if step.id in ids else 1, len(ids))


def previous_step(definition: Definition, draft: Draft, step: Step) -> Step | None:
    visible = definition.visible_steps(draft.answers)
    ids = [s.id for s in visible]
    if step.id not in ids or ids.index(step.id) == 0:
        return None
    return visible[ids.index(step.id) - 1]


def fee_for(row: FormDefinition, answers: dict) -> int:
    return KINDS[row.kind].fee(definition_of(row).content, answers)


def draft_fee(session: Session, draft: Draft, answers: dict) -> int:
    """The fee of a draft as its kind computes it (a booking: its slots)."""
    return KINDS[draft.definition.kind].draft_fee(session, draft, answers)


class NotReady(Exception):
    """The draft still has steps to complete."""


def submit(session: Session, draft: Draft, applicant: Applicant, channel: str = "online") -> tuple[Submission, bool]:
    """Turn a completed draft into a submission, exactly once; returns it and whether it is new.

    ``Submission.draft_id`` is unique, so a second click racing the first fails in the database; the
    caller then finds the first submission with ``submission_for_draft``.
    """
    existing = submission_for_draft(session, draft)
    if existing is not None:
        return existing, False
    definition = definition_of(draft.definition)
    if next_step(definition, draft) is not None:
        raise NotReady()
    # before anything is written: on SQLite a refusal after the INSERT below would leave it committed
    KINDS[draft.definition.kind].before_submit(session, draft)
    answers = definition.prune(draft.answers)
    content = definition.content
    resident = applicant.resident
    name_field = content.get("applicant_name_field")
    email_field = content.get("contact_email_field")
    identity_fields = []
    for f in definition.fields.values():
        filled = prefill.prefill_for(f.spec, resident)
        if filled and filled.source == "identity" and answers.get(f.id) == filled.value:
            identity_fields.append(f.id)
    for _attempt in range(5):
        submission = Submission(
            reference=new_reference(),
            municipality_id=draft.municipality_id,
            definition_id=draft.definition_id,
            resident_id=draft.resident_id,
            anonymous_key=draft.anonymous_key,
            draft_id=draft.id,
            status="received",
            answers=answers,
            identity_fields=identity_fields,
            applicant_name=str(answers.get(name_field) or (resident.display_name if resident else "")),
            contact_email=answers.get(email_field) if email_field else None,
            fee_amount=draft_fee(session, draft, answers),
            channel=channel,
            lang=applicant.lang,
        )
        try:
            with session.begin_nested():
                session.add(submission)
                session.flush()
            break
        except IntegrityError:
            existing = submission_for_draft(session, draft)
            if existing is not None:
                return existing, False
            # Otherwise the reference collided with another one: draw a new one.
    else:
        raise RuntimeError("could not allocate a unique reference")
    KINDS[draft.definition.kind].on_submit(session, draft, submission)
    draft.submitted_at = utcnow()
    for upload in session.scalars(select(UploadedFile).where(UploadedFile.draft_id == draft.id)):
        if any(isinstance(v, dict) and v.get("token") == upload.token for v in answers.values()):
            upload.submission_id = submission.id
    if resident is not None:
        prefill.remember(definition, answers, resident)
    return submission, True


def submission_for_draft(session: Session, draft: Draft) -> Submission | None:
    return session.scalar(select(Submission).where(Submission.draft_id == draft.id))


def _file_store(session: Session, draft: Draft, upload_dir: str):
    def store(upload: FileStorage, field_id: str) -> dict:
        data = upload.stream.read()
        digest = hashlib.sha256(data).hexdigest()
        storage_key = secrets.token_hex(16)
        directory = Path(upload_dir) / storage_key[:2]
        directory.mkdir(parents=True, exist_ok=True)
        (directory / storage_key).write_bytes(data)
        kind = filetype.guess(data)
        record = UploadedFile(
            token=secrets.token_urlsafe(24),
            municipality_id=draft.municipality_id,
            draft_id=draft.id,
            field_id=field_id,
            filename=safe_filename(upload.filename),
            content_type=kind.mime if kind else "application/octet-stream",
            size=len(data),
            sha256=digest,
            storage_key=storage_key,
        )
        session.add(record)
        session.flush()
        return {"token": record.token, "filename": record.filename, "size": record.size,
                "content_type": record.content_type}

    return store


def _kept_file(session: Session, draft: Draft, field_id: str, token: str | None) -> dict | None:
    """A file chosen earlier stays attached only if it really belongs to this draft and field."""
    if not token:
        return None
    upload = session.scalar(
        select(UploadedFile).where(
            UploadedFile.token == token, UploadedFile.draft_id == draft.id, UploadedFile.field_id == field_id
        )
    )
    if upload is None:
        return None
    return {"token": upload.token, "filename": upload.filename, "size": upload.size,
            "content_type": upload.content_type}


def file_path(upload_dir: str, upload: UploadedFile) -> Path:
    return Path(upload_dir) / upload.storage_key[:2] / upload.storage_key
