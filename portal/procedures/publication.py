"""Whether a municipality offers a procedure to residents right now (admins publish and unpublish).

A procedure without a setting row is published: definitions synced from ``forms/`` are live by default.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class ProcedureSetting(Base):
    __tablename__ = "procedure_setting"
    __table_args__ = (UniqueConstraint("municipality_id", "definition_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    definition_key: Mapped[str] = mapped_column(String(80))
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def unpublished_keys(municipality_id):
    """A select of the keys this municipality has unpublished (for ``NOT IN``); ``municipality_id`` may be a
    bound parameter."""
    return select(ProcedureSetting.definition_key).where(
        ProcedureSetting.municipality_id == municipality_id, ProcedureSetting.published.is_(False)
    )


def is_published(session: Session, municipality_id: int, key: str) -> bool:
    setting = session.scalar(
        select(ProcedureSetting).where(
            ProcedureSetting.municipality_id == municipality_id, ProcedureSetting.definition_key == key
        )
    )
    return setting is None or setting.published


def set_published(session: Session, municipality_id: int, key: str, published: bool, staff_id: int | None) -> None:
    setting = session.scalar(
        select(ProcedureSetting).where(
            ProcedureSetting.municipality_id == municipality_id, ProcedureSetting.definition_key == key
        )
    )
    if setting is None:
        setting = ProcedureSetting(municipality_id=municipality_id, definition_key=key)
        session.add(setting)
    setting.published = published
    setting.updated_by = staff_id
    setting.updated_at = utcnow()
    session.flush()
