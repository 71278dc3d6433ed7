"""Taking and giving back seats: the database decides, never a check followed by an insert.

``take`` is one conditional UPDATE per session — ``taken = taken + n WHERE status = 'open' AND taken + n <=
capacity`` — which takes the row lock on PostgreSQL and the write lock on SQLite, so the condition is checked on
the committed count and two applicants for the last seats cannot both succeed. Sessions are taken in id order
(two series registrations never wait on each other in a circle); a series is taken whole or not at all.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.events.models import EventSession


class SeatsGone(Exception):
    """The party does not fit (whole) on a session: its seats are taken, or the session is cancelled."""

    def __init__(self, session_id: int, remaining: int):
        super().__init__(f"session {session_id}: {remaining} seats left")
        self.session_id = session_id
        self.remaining = remaining


def _change(dbs: Session, session_id: int, delta: int, *, guarded: bool) -> bool:
    statement = update(EventSession).where(EventSession.id == session_id).values(taken=EventSession.taken + delta)
    if guarded:
        statement = statement.where(EventSession.status == "open",
                                    EventSession.taken + delta <= EventSession.capacity)
    return dbs.execute(statement, execution_options={"synchronize_session": False}).rowcount == 1


def take(dbs: Session, session_ids: Sequence[int], size: int) -> None:
    """Take ``size`` seats on every session, inside the caller's transaction; raises :class:`SeatsGone` having
    taken none of them."""
    if size < 1:
        raise ValueError("a party has at least one person")
    done: list[int] = []
    for session_id in sorted(set(session_ids)):
        if not _change(dbs, session_id, size, guarded=True):
            for taken_id in done:
                _change(dbs, taken_id, -size, guarded=False)
            raise SeatsGone(session_id, remaining(dbs, session_id))
        done.append(session_id)
    _expire_counts(dbs, done)


def give_back(dbs: Session, session_ids: Sequence[int], size: int) -> None:
    """Return a party's seats (a cancellation, a lapsed offer, a missed payment), inside the caller's transaction."""
    for session_id in sorted(set(session_ids)):
        _change(dbs, session_id, -size, guarded=False)
    _expire_counts(dbs, session_ids)


def remaining(dbs: Session, session_id: int) -> int:
    row = dbs.execute(select(EventSession.capacity, EventSession.taken, EventSession.status)
                      .where(EventSession.id == session_id)).one_or_none()
    if row is None or row.status != "open":
        return 0
    return max(0, row.capacity - row.taken)


def _expire_counts(dbs: Session, session_ids: Sequence[int]) -> None:
    # the UPDATEs bypass the identity map: loaded sessions must re-read their counters
    wanted = set(session_ids)
    for loaded in list(dbs.identity_map.values()):
        if isinstance(loaded, EventSession) and loaded.id in wanted:
            dbs.expire(loaded, ["taken"])
