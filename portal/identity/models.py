from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class Resident(Base):
    """A person who signed in with the identity provider.

    ``sub`` is the provider's stable pseudonym; the portal never sees or stores a 個人番号.
    ``claims`` is what the card released at the latest sign-in (name, address, birthdate, gender),
    kept apart from answers so a form can show where a prefilled value came from.
    ``remembered`` holds answers the resident gave once and may reuse (ワンスオンリー), keyed by the
    definition's ``prefill: previous.<key>`` names.
    ``session_version`` is in every signed-in cookie and bumped at logout: a copy of the cookie taken
    before logout no longer signs anyone in.
    """

    __tablename__ = "resident"

    id: Mapped[int] = mapped_column(primary_key=True)
    sub: Mapped[str] = mapped_column(String(255), unique=True)
    issuer: Mapped[str] = mapped_column(String(255))
    claims: Mapped[dict] = mapped_column(JSON, default=dict)
    remembered: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    @property
    def display_name(self) -> str:
        return self.claims.get("name") or ""
