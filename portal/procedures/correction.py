"""補正 (correction): the resident answers a correction request by changing only the fields staff flagged,
then resubmits. Every other answer stays exactly as it was — whatever the browser posts."""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.identity.models import Resident
from portal.procedures import workflow
from portal.procedures.catalogue import definition_of
from portal.procedures.definition import Definition
from portal.procedures.history import SubmissionEvent
from portal.procedures.journey import fee_for
from portal.procedures.models import Submission
from portal.procedures.step_controller import Reading, StepForm
from portal.procedures.uploads import UploadPlace


def flagged_fields(definition: Definition, submission: Submission):
    """The flagged fields in the order the form shows them, with the detail text that belongs to a flagged
    choice (changing 使いみち to 「その他」 needs 使いみちの詳細 too)."""
    wanted = set(submission.correction_fields or [])
    wanted |= {f.id for f in definition.fields.values() if any(choice.id in wanted for choice, _v in f.detail_of)}
    return [f for step in definition.steps for f in step.fields if f.id in wanted]


def step_form(session: Session, submission: Submission, resident: Resident | None, config: Mapping) -> StepForm:
    """The 補正 page: only the flagged fields, started from what was submitted (a locked card value from the
    card again); every other answer stays as it is, and a new file belongs to the submission straight away."""
    definition = definition_of(submission.definition)
    return StepForm(flagged_fields(definition, submission), submission.answers, resident,
                    UploadPlace.of_submission(session, submission, config), base=submission.answers,
                    detail_fields=definition.fields.values(), offers_prefill=False)


def _visible_ids(definition: Definition, answers: dict) -> set[str]:
    return {f.id for step in definition.visible_steps(answers) for f in step.visible_fields(answers)}


def resubmit(session: Session, submission: Submission, reading: Reading) -> SubmissionEvent | None:
    """Apply a 補正 page that passed validation (``step_form(…).read``) and move the submission to
    ``resubmitted``.

    Returns the event, or None when nothing was saved (the messages are then on ``reading.states``). Raises
    ``workflow.IllegalTransition`` when the submission is no longer waiting for a correction."""
    if submission.status != "correction_requested":
        raise workflow.IllegalTransition(_("この申請は補正を受け付けていません。"))
    definition = definition_of(submission.definition)
    states, answers = reading.states, reading.answers
    # A change that would show or hide other questions can't be made here: those answers weren't flagged.
    if _visible_ids(definition, answers) != _visible_ids(definition, submission.answers):
        message = _("この回答にすると、他の質問も変わるため、ここでは変更できません。担当課にお問い合わせください。")
        drivers = _condition_fields(definition)
        for s in [s for s in states if s.field.id in drivers] or states[:1]:
            s.errors.append(message)
        return None
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
    return event


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


def history(session: Session, submission: Submission) -> list[SubmissionEvent]:
    return list(session.scalars(
        select(SubmissionEvent).where(SubmissionEvent.submission_id == submission.id).order_by(SubmissionEvent.id)
    ))
