"""Telling the resident about a status change: an email queued in the same transaction (sent after commit)
and, on their page, the history entry the transition recorded."""
from __future__ import annotations

from flask import url_for
from flask_babel import force_locale
from sqlalchemy.orm import Session

from portal.notifications import addressee, mail
from portal.procedures.catalogue import definition_of
from portal.procedures.history import SubmissionEvent
from portal.procedures.models import Submission
from portal.templating import STATUS_LABELS
from portal.tenancy.models import Municipality


def status_changed(session: Session, submission: Submission, event: SubmissionEvent, municipality: Municipality):
    definition = definition_of(submission.definition)
    online = submission.resident_id is not None
    status_url = (
        url_for("mypage.submission", municipality=municipality.slug, reference=submission.reference, _external=True)
        if online else None
    )
    with force_locale(submission.lang):  # the staff member's language is not the resident's
        title = definition.title
        status = str(STATUS_LABELS.get(event.to_status, event.to_status))
        field_labels = [definition.fields[f].label for f in event.fields if f in definition.fields]
    return mail.queue(
        session,
        submission.contact_email,
        "status_changed",
        submission.lang,
        submission.municipality_id,
        municipality=municipality,
        submission=submission,
        greeting_name=addressee.greeting_name(submission),
        title=title,
        status=status,
        event=event,
        field_labels=field_labels,
        status_url=status_url,
        correction_url=(
            url_for("mypage.correction_form", municipality=municipality.slug, reference=submission.reference,
                    _external=True)
            if online and event.to_status == "correction_requested" else None
        ),
    )
