"""What every マイページ object URL checks: the object is the signed-in resident's, in this municipality."""
from __future__ import annotations

from flask import abort, g

from portal import db
from portal.procedures.models import Submission
from portal.tenancy.scope import of_municipality


def own_submission_or_404(reference: str) -> Submission:
    """Someone else's submission is indistinguishable from one that doesn't exist."""
    submission = db.session().scalar(
        of_municipality(Submission).where(Submission.reference == reference, Submission.resident_id == g.resident.id)
    )
    if submission is None:
        abort(404)
    return submission
