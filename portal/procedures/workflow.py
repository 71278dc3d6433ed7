"""Submission statuses and the transitions allowed between them, in one table.

    received ──staff──▶ in_review ──staff──▶ completed
       │                  │  ▲  └───staff──▶ rejected (reason required)
    resident              │  └──staff── resubmitted ──staff──▶ completed | rejected
       ▼                staff                 ▲        (the corrected answers are what staff review:
    withdrawn             ▼                   │         no second 「審査を開始する」 needed)
                 correction_requested ────────┘
                 (補正依頼: a message naming    resident (edits only the flagged fields)
                  the fields to fix)

``transition`` is the only way a status changes: it checks the table, the move's own requirements,
records a ``SubmissionEvent`` for the history, and leaves committing to the caller. Concurrent changes
are caught by ``Submission.lock_version`` (SQLAlchemy's version counter): pass ``expected_version``
from the form the person saw and a stale one raises ``Conflict`` instead of overwriting.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, object_session

from portal.procedures.history import SubmissionEvent
from portal.procedures.models import Submission

STATUSES = ("received", "in_review", "correction_requested", "resubmitted", "completed", "rejected", "withdrawn")
ACTORS = ("staff", "resident")
FINAL = frozenset({"completed", "rejected", "withdrawn"})
OPEN = tuple(s for s in STATUSES if s not in FINAL)

# (from, to) -> who may make the move
TRANSITIONS: dict[tuple[str, str], str] = {
    ("received", "in_review"): "staff",
    ("received", "withdrawn"): "resident",
    ("in_review", "correction_requested"): "staff",
    ("in_review", "completed"): "staff",
    ("in_review", "rejected"): "staff",
    ("correction_requested", "resubmitted"): "resident",
    ("resubmitted", "in_review"): "staff",
    ("resubmitted", "completed"): "staff",
    ("resubmitted", "rejected"): "staff",
}

#: what the staff button says for each move
ACTION_LABELS = {
    "in_review": _l("審査を開始する"),
    "correction_requested": _l("補正を依頼する"),
    "completed": _l("完了にする"),
    "rejected": _l("却下する"),
}


@dataclass(frozen=True)
class Actor:
    kind: str  # "staff" | "resident"
    id: int | None = None


class IllegalTransition(ValueError):
    """The move is not in the table (or not for this actor), or lacks what it requires."""

    def __init__(self, message: str, code: str = "illegal"):
        super().__init__(message)
        self.message = message
        self.code = code


class Conflict(Exception):
    """Someone else changed the submission since the person acting loaded it."""


def allowed(from_status: str, to_status: str, actor_kind: str) -> bool:
    return TRANSITIONS.get((from_status, to_status)) == actor_kind


def next_statuses(status: str, actor_kind: str) -> list[str]:
    """Where ``actor_kind`` may move a submission from ``status``, in the table's order."""
    return [to for (frm, to), who in TRANSITIONS.items() if frm == status and who == actor_kind]


def _label(status: str) -> str:
    from portal.templating import STATUS_LABELS

    return str(STATUS_LABELS.get(status, status))


def transition(
    session: Session | None,
    submission: Submission,
    to: str,
    actor: Actor,
    message: str | None = None,
    fields: list[str] | None = None,
    expected_version: int | None = None,
) -> SubmissionEvent:
    """Move ``submission`` to ``to`` on behalf of ``actor`` and record it (nothing is committed here).

    - ``rejected`` needs a ``message`` (the reason, shown to the resident);
    - ``correction_requested`` needs a ``message`` and ``fields`` (ids of the submission's fields);
    - ``resubmitted`` clears the correction request.
    """
    if expected_version is not None and expected_version != submission.lock_version:
        raise Conflict()
    frm = submission.status
    if to not in STATUSES:
        raise IllegalTransition(str(_l("「%(to)s」という状況はありません。", to=to)), "unknown")
    if not allowed(frm, to, actor.kind):
        if (frm, to) in TRANSITIONS:
            text = _l("「%(frm)s」から「%(to)s」への変更は%(who)sだけができます。", frm=_label(frm), to=_label(to),
                      who=_l("職員") if TRANSITIONS[(frm, to)] == "staff" else _l("申請者"))
        else:
            text = _l("この申請は「%(frm)s」のため、「%(to)s」にはできません。", frm=_label(frm), to=_label(to))
        raise IllegalTransition(str(text))
    message = (message or "").strip()
    fields = list(dict.fromkeys(fields or []))
    if to == "rejected" and not message:
        raise IllegalTransition(str(_l("却下の理由を入力してください。")), "reason_required")
    if to == "correction_requested":
        if not fields:
            raise IllegalTransition(str(_l("補正が必要な項目を1つ以上選んでください。")), "fields_required")
        if not message:
            raise IllegalTransition(str(_l("補正の内容（申請者へのメッセージ）を入力してください。")),
                                    "message_required")
        submission.correction_fields = fields
    elif to == "resubmitted":
        submission.correction_fields = []
    submission.status = to
    event = SubmissionEvent(
        submission_id=submission.id,
        from_status=frm,
        to_status=to,
        actor_kind=actor.kind,
        actor_id=actor.id,
        message=message,
        fields=fields if to == "correction_requested" else [],
    )
    session = session if session is not None else object_session(submission)
    if session is not None:
        session.add(event)
        from portal.procedures.kinds import KINDS

        if submission.definition is not None:  # a bare Submission (the unit tests) has no kind to ask
            KINDS[submission.definition.kind].after_transition(session, submission, frm, to)
    return event


def can_withdraw(submission: Submission) -> bool:
    return allowed(submission.status, "withdrawn", "resident")


def withdraw(submission: Submission) -> SubmissionEvent:
    """The resident withdraws a submission nobody has started on (used by the resident's page)."""
    if not can_withdraw(submission):
        raise ValueError(f"cannot withdraw a submission in status {submission.status}")
    return transition(None, submission, "withdrawn", Actor("resident", submission.resident_id))
