"""Facilities, their bookable units and closures, reservations of slots, and the monthly lottery.

No double booking is a database guarantee, not a Python check: ``reservation_slot`` has a partial unique
index on (unit, start) over active rows, on SQLite and PostgreSQL alike; on PostgreSQL an exclusion
constraint also refuses overlapping time ranges on one unit (slot patterns may change over time).

A facility's configuration (hours, slot pattern, prices, rules, cancellation terms, lottery) is stored as
JSON and read through :mod:`portal.booking.domain.config` into the pure domain objects, which validate it.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow
from portal.identity.models import Resident
from portal.tenancy.models import Municipality

#: reservation statuses that keep their slots taken
TAKING = ("held", "confirmed")
ACTIVE_SLOT_SQL = "active"


class Facility(Base):
    __tablename__ = "facility"
    __table_args__ = (UniqueConstraint("municipality_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    slug: Mapped[str] = mapped_column(String(60))
    #: sports_hall | gymnasium | tennis_court | meeting_room | hall | community_center | ground | other
    category: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    name_kana: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    #: 地区: what residents filter by ("北部", "中央")
    area: Mapped[str] = mapped_column(String(100), default="")
    area_en: Mapped[str] = mapped_column(String(100), default="", server_default="")
    postal_code: Mapped[str] = mapped_column(String(8), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(30), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    accessibility: Mapped[str] = mapped_column(Text, default="")
    accessibility_en: Mapped[str] = mapped_column(Text, default="")
    #: 利用規則: what a resident agrees to when booking, shown above the agreement and on the check page
    usage_rules: Mapped[str] = mapped_column(Text, default="", server_default="")
    usage_rules_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    photo_url: Mapped[str] = mapped_column(String(500), default="")
    #: see portal.booking.domain.config for the shapes of these
    opening_hours: Mapped[dict] = mapped_column(JSON)
    slot_pattern: Mapped[dict] = mapped_column(JSON)
    prices: Mapped[dict] = mapped_column(JSON)
    rules: Mapped[dict] = mapped_column(JSON)
    cancellation: Mapped[dict] = mapped_column(JSON, default=dict)
    #: None: no lottery; else {"schedule": …, "scope": …, "policy": …}
    lottery: Mapped[dict | None] = mapped_column(JSON)
    #: key of the procedure (kind ``booking``) whose questions a booking answers
    booking_procedure: Mapped[str] = mapped_column(String(100), default="facility-booking")
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    #: a closed facility takes no bookings; ``closed_notice`` says why, to residents
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_notice: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    municipality: Mapped[Municipality] = relationship()
    units: Mapped[list[FacilityUnit]] = relationship(
        back_populates="facility", order_by="(FacilityUnit.sort_order, FacilityUnit.id)")
    closures: Mapped[list[FacilityClosure]] = relationship(
        back_populates="facility", order_by="FacilityClosure.first_day")

    def display_name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name

    def area_name(self, lang: str) -> str:
        """The district (地区) in the reader's language (Japanese when no English name is set)."""
        return self.area_en if lang == "en" and self.area_en else self.area


class FacilityUnit(Base):
    """What one booking takes: a court, half of a gym, a meeting room."""

    __tablename__ = "facility_unit"
    __table_args__ = (UniqueConstraint("facility_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    facility: Mapped[Facility] = relationship(back_populates="units")

    def display_name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


class FacilityClosure(Base):
    """Days shut for maintenance, an election count, …; ``last_day`` inclusive (Tokyo dates)."""

    __tablename__ = "facility_closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    facility: Mapped[Facility] = relationship(back_populates="closures")


class FacilityPhoto(Base):
    """A facility's photo, re-encoded on upload (JPEG, no EXIF, at most 1600 px) and kept in the database so every
    web process serves it; its URL names its SHA-256, so browsers may cache it for good."""

    __tablename__ = "facility_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id", ondelete="CASCADE"), unique=True)
    #: SHA-256 of ``data``; two facilities may share a picture
    digest: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(30), default="image/jpeg")
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BookingGroup(Base):
    """A registered group (団体登録): a club or circle that may book facilities that require one, and whose
    lottery applications and wins count together. Registered by its representative (a signed-in resident)
    and approved by staff, who check the member list on paper or at the counter.

    ``status``: pending → approved | rejected; approved → suspended (and back).
    """

    __tablename__ = "booking_group"
    __table_args__ = (Index("ix_booking_group_representative", "representative_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_kana: Mapped[str] = mapped_column(String(200), default="")
    representative_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    #: the representative's verified person: group caps and the resident-only rule bind them
    representative_sub: Mapped[str] = mapped_column(String(255))
    members: Mapped[int] = mapped_column(Integer, default=1)
    #: share of members living in the municipality, as declared (市内団体の要件)
    resident_members: Mapped[int] = mapped_column(Integer, default=1)
    activity: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    #: the secret of the representative's invitation link for members (a new one voids the old)
    invite_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    representative: Mapped[Resident] = relationship()
    memberships: Mapped[list[BookingGroupMember]] = relationship(
        back_populates="group", order_by="BookingGroupMember.joined_at", cascade="all, delete-orphan")


class BookingGroupMember(Base):
    """A member who joined a registered group through its representative's invitation: they may book and apply
    in the lottery for the group, and the group's caps count them together with everyone else in it."""

    __tablename__ = "booking_group_member"
    __table_args__ = (UniqueConstraint("group_id", "person_sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("booking_group.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    #: the member's verified person, as for every cap
    person_sub: Mapped[str] = mapped_column(String(255), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[BookingGroup] = relationship(back_populates="memberships")
    resident: Mapped[Resident] = relationship()


class Reservation(Base):
    """One booking of one or more slots of a facility.

    ``kind``: first_come | lottery (a lottery win) | counter (staff for a resident) | block (a city event).
    ``status``: held (unpaid, until ``hold_expires_at``) → confirmed, or → expired / cancelled.
    The fee is paid through the submission of the facility's booking procedure, like any other fee.
    """

    __tablename__ = "reservation"
    __table_args__ = (
        Index("ix_reservation_facility_status", "facility_id", "status"),
        Index("ix_reservation_person", "person_sub"),
        Index("ix_reservation_hold", "status", "hold_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), index=True)
    #: the verified person (identity ``sub``): caps count per person, not per account
    person_sub: Mapped[str | None] = mapped_column(String(255))
    is_resident: Mapped[bool] = mapped_column(Boolean, default=True)
    #: the registered group booking (its name is copied: a counter booking may name an unregistered one)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("booking_group.id"))
    group_name: Mapped[str] = mapped_column(String(200), default="")
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("draft.id", ondelete="SET NULL"), unique=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), unique=True)
    fee_amount: Mapped[int] = mapped_column(Integer, default=0)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    cancel_fee: Mapped[int] = mapped_column(Integer, default=0)
    #: when the day-before reminder was sent (or found nobody to email): it goes out once
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the language the resident booked in: emails about the booking are written in it
    lang: Mapped[str] = mapped_column(String(5), default="ja")
    #: who a counter booking is for (no account behind it): for the day sheet and for phoning them
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    #: staff who made a counter booking or a block
    staff_id: Mapped[int | None] = mapped_column(Integer)
    #: a block's event name, or the counter's note
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    facility: Mapped[Facility] = relationship()
    slots: Mapped[list[ReservationSlot]] = relationship(
        back_populates="reservation", order_by="(ReservationSlot.starts_at, ReservationSlot.unit_id)",
        cascade="all, delete-orphan")

    @property
    def starts_at(self) -> datetime | None:
        return min((s.starts_at for s in self.live_slots), default=None)

    @property
    def live_slots(self) -> list[ReservationSlot]:
        """The slots still booked: all of them, less any the resident cancelled one by one."""
        return [s for s in self.slots if s.cancelled_at is None]


class ReservationSlot(Base):
    """One slot of a reservation; ``active`` while the reservation takes it (held or confirmed)."""

    __tablename__ = "reservation_slot"
    __table_args__ = (
        Index("uq_reservation_slot_active", "unit_id", "starts_at", unique=True,
              sqlite_where=text(ACTIVE_SLOT_SQL), postgresql_where=text(ACTIVE_SLOT_SQL)),
        Index("ix_reservation_slot_unit_starts", "unit_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reservation_id: Mapped[int] = mapped_column(ForeignKey("reservation.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("facility_unit.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fee: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: the resident cancelled this slot alone (the rest of the booking stands); its late fee, kept from ``fee``
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_fee: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    reservation: Mapped[Reservation] = relationship(back_populates="slots")
    unit: Mapped[FacilityUnit] = relationship()


class LotteryRound(Base):
    """One facility's lottery for one target month, and its published audit record.

    ``seed`` is generated when applications close and kept secret until the draw; ``seed_commitment``
    (SHA-256 of it) and ``inputs_digest`` are public from that moment on.
    """

    __tablename__ = "lottery_round"
    __table_args__ = (UniqueConstraint("facility_id", "year", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    #: open (applications) → committed (seed hash published) → drawn → finished (confirmation over)
    status: Mapped[str] = mapped_column(String(20), default="open")
    algorithm: Mapped[str] = mapped_column(String(40), default="")
    seed: Mapped[str | None] = mapped_column(String(128))
    seed_commitment: Mapped[str | None] = mapped_column(String(64))
    inputs_digest: Mapped[str | None] = mapped_column(String(64))
    #: the draw's inputs (pseudonymised) and trace, as published
    record: Mapped[dict | None] = mapped_column(JSON)
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    facility: Mapped[Facility] = relationship()
    applications: Mapped[list[LotteryApplication]] = relationship(
        back_populates="round", order_by="LotteryApplication.id")


class LotteryApplication(Base):
    """A resident's ranked slot preferences in one round.

    ``status``: applied → won / lost, or withdrawn (by the resident while applications are open).
    A win becomes a held ``reservation`` until the confirmation deadline; ``declined`` when the winner gives it
    back.
    """

    __tablename__ = "lottery_application"
    __table_args__ = (Index("ix_lottery_application_round_person", "round_id", "person_sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("lottery_round.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)
    person_sub: Mapped[str] = mapped_column(String(255))
    #: what the published draw record shows for the person, fixed when they apply (so a later change of the
    #: key it is derived from cannot alter the committed inputs)
    person_key: Mapped[str] = mapped_column(String(32))
    is_resident: Mapped[bool] = mapped_column(Boolean, default=True)
    #: the registered group applying (group caps count it); its name is copied for the record
    group_id: Mapped[int | None] = mapped_column(ForeignKey("booking_group.id"))
    group_name: Mapped[str] = mapped_column(String(200), default="")
    #: where the result is emailed, and in which language
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    lang: Mapped[str] = mapped_column(String(5), default="ja")
    #: slot keys ("court-a/2027-01-09 09:00"), best first
    preferences: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="applied")
    #: all_taken | person_cap | group_cap, for a lost application
    outcome: Mapped[str] = mapped_column(String(20), default="")
    won_slot_key: Mapped[str | None] = mapped_column(String(120))
    won_rank: Mapped[int | None] = mapped_column(Integer)
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservation.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    round: Mapped[LotteryRound] = relationship(back_populates="applications")
    reservation: Mapped[Reservation | None] = relationship()


class LotteryPreferenceDraft(Base):
    """The ranked slots a resident has picked so far for one month's lottery, before applying: picking a slot
    happens on pages of its own (a day, then its slots), so the choice is kept here between them."""

    __tablename__ = "lottery_preference_draft"
    __table_args__ = (UniqueConstraint("resident_id", "facility_id", "year", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    #: slot keys, best first, no gaps
    preferences: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
