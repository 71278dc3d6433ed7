from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class OutboxEmail(Base):
    """An email written in the same transaction as the change it reports, sent after commit.

    A crash between commit and send leaves the row pending; the outbox sweep (portal.tasks) sends it,
    so no notification is lost. A sender first claims the row (pending → sending, with ``claimed_at``) in its
    own committed UPDATE, so two senders never both deliver it — on SQLite too, where ``FOR UPDATE`` does
    nothing; a claim older than ``CLAIM_TIMEOUT`` (the sender died mid-send) is taken over.
    """

    __tablename__ = "outbox_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    #: files sent with the text: [{"filename", "content_type", "data" (base64)}] — an event ticket's QR code
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
