"""Every status change of a submission, kept for staff (detail view) and the resident (their page)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class SubmissionEvent(Base):
    __tablename__ = "submission_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    #: None for the first event (the submission arriving)
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    #: "staff" or "resident"
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    #: what the resident is told: the correction request, the reason for a rejection, a note on completion
    message: Mapped[str] = mapped_column(Text, default="")
    #: the fields a correction request names (field ids of the submission's definition version)
    fields: Mapped[list] = mapped_column(JSON, default=list)
    #: what a resubmission changed: ``[{"field": id, "before": answer, "after": answer}]`` for each field the
    #: correction request let the resident edit (answers as stored, None when there was none)
    changes: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
