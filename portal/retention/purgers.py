"""What a feature keeps tied to one draft or one submission (a reservation and its slots, say): the feature
registers a purger, and the retention pass calls it, inside the pass's transaction, for each stale draft
before deleting it and for each long-closed submission it anonymises. Retention itself knows no feature."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

#: purger(session, draft): the draft is about to be deleted, unsubmitted
DraftPurger = Callable[[Session, object], None]
#: purger(session, submission): the submission is being anonymised; remove who it was from the feature's rows
SubmissionPurger = Callable[[Session, object], None]


@dataclass(frozen=True)
class Purger:
    draft: DraftPurger | None = None
    submission: SubmissionPurger | None = None


PURGERS: dict[str, Purger] = {}


def register_purger(name: str, *, draft: DraftPurger | None = None,
                    submission: SubmissionPurger | None = None) -> None:
    purger = Purger(draft, submission)
    if PURGERS.get(name, purger) != purger:
        raise ValueError(f"a retention purger named {name!r} is already registered")
    PURGERS[name] = purger


def purge_draft(session: Session, draft) -> None:
    for purger in PURGERS.values():
        if purger.draft is not None:
            purger.draft(session, draft)


def purge_submission(session: Session, submission) -> None:
    for purger in PURGERS.values():
        if purger.submission is not None:
            purger.submission(session, submission)
