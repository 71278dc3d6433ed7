"""Who an email about a submission may address by name.

The contact address was typed by whoever filled the form, and nobody has verified it belongs to them: text
that person typed must never reach it under the municipality's name (a stranger could greet anyone with a
phishing line in an official-looking 【市】 email). So a signed-in resident is greeted with the name on their
card, a counter submission with the name staff took down in person, and anyone else with no name at all.
"""
from __future__ import annotations

from portal.procedures.models import Submission


def is_unverified_sender(submission: Submission) -> bool:
    return submission.resident_id is None and submission.channel != "counter"


def greeting_name(submission: Submission) -> str | None:
    if submission.resident is not None:
        return submission.resident.display_name or None
    if submission.channel == "counter":
        return submission.applicant_name or None
    return None
