"""The resident's journey as services: start a draft, save a step, check, submit.

Views parse the request and call these; tests call them directly. Nothing here commits.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.identity.models import Resident
from portal.procedures import prefill
from portal.procedures.catalogue import definition_of
from portal.procedures.definition import Definition, Step
from portal.procedures.kinds import KINDS
from portal.procedures.models import Draft, FormDefinition, Submission, UploadedFile
from portal.procedures.reference import new_reference
from portal.procedures.step_controller import StepForm
from portal.procedures.uploads import UploadPlace
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


def step_form(session: Session, draft: Draft, step: Step, resident: Resident | None, config: Mapping) -> StepForm:
    """A step of a draft as a page: its visible fields, started from the draft's answers and the card of
    ``resident`` (None at the counter: staff type what the resident shows), uploads kept with the draft."""
    return StepForm(step.visible_fields(draft.answers), draft.answers, resident,
                    UploadPlace.of_draft(session, draft, config))


def locate_step(definition: Definition, draft: Draft, step_id: str) -> tuple[Step | None, Step | None]:
    """The step ``step_id`` names if the draft shows it (else None), and the earlier unanswered step to
    send the visitor to instead: a step can't be reached past one (e.g. by editing the URL)."""
    current = definition.step(step_id)
    visible = definition.visible_steps(draft.answers)
    if current is None or current not in visible:
        return None, None
    following = next_step(definition, draft)
    if following is not None and visible.index(current) > visible.index(following):
        return current, following
    return current, None


def save_step(draft: Draft, step: Step, answers: dict) -> None:
    """Keep the answers of a step that passed validation (``StepForm.read``): they replace the step's
    earlier ones, and the draft moves on to its next unanswered step."""
    definition = definition_of(draft.definition)
    kept = {k: v for k, v in draft.answers.items() if k not in {f.id for f in step.fields}}
    kept.update(answers)
    draft.answers = definition.prune(kept)
    completed = [s for s in draft.completed_steps if s != step.id] + [step.id]
    visible_ids = [s.id for s in definition.visible_steps(draft.answers)]
    draft.completed_steps = [s for s in visible_ids if s in completed]
    following = next_step(definition, draft)
    draft.current_step = following.id if following else "check"
    draft.updated_at = utcnow()


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
