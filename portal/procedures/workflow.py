"""Submission statuses and the transitions allowed between them, in one table."""
from __future__ import annotations

from portal.procedures.models import Submission

# (from, to) -> who may make the move
TRANSITIONS: dict[tuple[str, str], str] = {
    ("received", "withdrawn"): "resident",
}


def can_withdraw(submission: Submission) -> bool:
    return (submission.status, "withdrawn") in TRANSITIONS


def withdraw(submission: Submission) -> None:
    if not can_withdraw(submission):
        raise ValueError(f"cannot withdraw a submission in status {submission.status}")
    submission.status = "withdrawn"
