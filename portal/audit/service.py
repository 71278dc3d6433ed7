"""Writing audit entries, and the application-side half of the append-only rule."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.audit.models import AuditEvent


class AuditImmutable(RuntimeError):
    """Raised when something tries to change or delete an audit entry."""


@dataclass(frozen=True)
class Actor:
    kind: str  # staff | resident | system | anonymous
    id: int | None = None
    name: str = ""


SYSTEM = Actor("system", None, "system")


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    detail: dict | None = None,
    ip: str | None = None,
    municipality_id: int | None = None,
) -> AuditEvent:
    """Add an entry to the caller's transaction: it commits (or rolls back) with the change it reports."""
    entry = AuditEvent(
        municipality_id=municipality_id,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name[:200],
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:80],
        detail=detail or {},
        ip=(ip or "")[:45],
    )
    session.add(entry)
    return entry


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, _context, _instances) -> None:
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) and session.is_modified(obj, include_collections=False):
            raise AuditImmutable("audit entries cannot be changed")
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise AuditImmutable("audit entries cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_changes(state) -> None:
    """``update(AuditEvent)`` / ``delete(AuditEvent)`` through the ORM skip ``before_flush``: refuse them too."""
    if (state.is_update or state.is_delete) and any(m.class_ is AuditEvent for m in state.all_mappers):
        raise AuditImmutable("audit entries cannot be changed or deleted")
