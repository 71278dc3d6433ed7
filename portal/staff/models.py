"""Staff accounts of a municipality and the procedures each may process."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow
from portal.tenancy.models import Municipality

ROLES = ("staff", "admin")


class StaffUser(Base):
    """A municipal employee. ``username`` is unique within the municipality (an account of 一宮市
    never signs in to 安城市). ``session_version`` is bumped when the password or second factor is
    reset, the account deactivated or its owner logs out, which ends every session signed in before.
    ``must_change_password``: the password was set by someone else (an admin, the CLI); the owner changes it
    before using the back office. ``failed_attempts``/``locked_until`` count wrong second-factor codes (wrong
    passwords are counted per client, see ``portal.staff.auth``)."""

    __tablename__ = "staff_user"
    __table_args__ = (UniqueConstraint("municipality_id", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    username: Mapped[str] = mapped_column(String(80))
    display_name: Mapped[str] = mapped_column(String(100))
    #: argon2id hash (argon2-cffi PasswordHasher)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default="staff")
    #: base32 TOTP secret once enrolment is confirmed; None = no second factor yet
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: the last accepted TOTP time step: a code is accepted once only
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    municipality: Mapped[Municipality] = relationship()
    procedures: Mapped[list[StaffProcedure]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", order_by="StaffProcedure.definition_key"
    )

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def procedure_keys(self) -> set[str]:
        return {p.definition_key for p in self.procedures}

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or utcnow())


class StaffProcedure(Base):
    """Staff member ``staff_id`` may process submissions of procedure ``definition_key`` (every version)."""

    __tablename__ = "staff_procedure"
    __table_args__ = (UniqueConstraint("staff_id", "definition_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    definition_key: Mapped[str] = mapped_column(String(80))

    staff: Mapped[StaffUser] = relationship(back_populates="procedures")
