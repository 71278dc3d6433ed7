"""What retention asks of the procedure engine: before a stale draft is deleted, its kind lets go of what the
draft holds, as when the resident discards it."""
from __future__ import annotations

from portal.procedures.kinds import KINDS


def discard_draft(session, draft) -> None:
    KINDS[draft.definition.kind].on_discard(session, draft)
