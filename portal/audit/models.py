from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """One thing that happened. Rows are only ever inserted: the application refuses to update or delete
    them (a ``before_flush`` guard) and so does the database (triggers made by the migration).

    The actor's name is copied in, so the entry still reads right after the account is renamed.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_municipality_created", "municipality_id", "created_at"),
        Index("ix_audit_event_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    #: "staff", "resident", "system" (command line) or "anonymous" (a failed sign-in)
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    #: dotted verb, e.g. "submission.view", "file.download", "queue.export", "submission.transition"
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(80), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(45), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
