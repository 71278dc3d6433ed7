"""Rate-limit counters kept in the portal's own database (see ``storage.DatabaseStorage``)."""
from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base


class RateLimitCounter(Base):
    """One fixed window of one limit: ``count`` hits until ``expires_at`` (seconds since the epoch)."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
