from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class Municipality(Base):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    prefecture: Mapped[str] = mapped_column(String(20))
    prefecture_en: Mapped[str] = mapped_column(String(40), default="", server_default="")
    #: 全国地方公共団体コード (6 digits, with its check digit)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    contact_department: Mapped[str] = mapped_column(String(100), default="")
    contact_department_en: Mapped[str] = mapped_column(String(100), default="", server_default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def display_name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name

    def prefecture_name(self, lang: str) -> str:
        return (self.prefecture_en if lang == "en" else "") or self.prefecture

    def department(self, lang: str) -> str:
        """The contact department in the reader's language (Japanese when no English name is set)."""
        return (self.contact_department_en if lang == "en" else "") or self.contact_department
