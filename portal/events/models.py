"""Events, their sessions with counted seats, and the registrations that take them.

Seats are a counter on the session row, changed only by a conditional UPDATE
(``taken = taken + n WHERE taken + n <= capacity``): the database row lock makes the check and the take one
step, on PostgreSQL and SQLite alike, so concurrent applicants can never oversell a session — see
:mod:`portal.events.seats`. A check constraint keeps the counter from going negative.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow
from portal.tenancy.models import Municipality

#: registration statuses whose party holds seats on their sessions
HOLDING_SEATS = ("pending_payment", "confirmed", "offered")


class Event(Base):
    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("municipality_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    slug: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    title_kana: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    #: course | childcare | health | sports | culture | disaster | ict | other
    category: Mapped[str] = mapped_column(String(30))
    department: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    #: a facility of the booking module, or a free venue below
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))
    venue_name: Mapped[str] = mapped_column(String(200), default="")
    venue_address: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    accessibility: Mapped[str] = mapped_column(Text, default="")
    what_to_bring: Mapped[str] = mapped_column(Text, default="")
    #: anyone | signed_in | residents
    audience: Mapped[str] = mapped_column(String(20), default="signed_in")
    #: [{"kind": "age"|"grade", "minimum"/"first": …, "maximum"/"last": …, "subject": "applicant"|<field key>}]
    eligibility: Mapped[list] = mapped_column(JSON, default=list)
    #: single | choice (one of several dates) | series (全N回, applied for as a whole)
    session_mode: Mapped[str] = mapped_column(String(10), default="single")
    #: [{"key": "adult", "label": "大人", "label_en": "Adult", "price": 1200}]; one entry for a free event
    participant_types: Mapped[list] = mapped_column(JSON)
    max_party: Mapped[int] = mapped_column(Integer, default=1)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    #: first_come (先着順) | lottery (申込多数の場合は抽選)
    allocation: Mapped[str] = mapped_column(String(12), default="first_come")
    waitlist: Mapped[bool] = mapped_column(default=True)
    offer_hold_hours: Mapped[int] = mapped_column(Integer, default=24)
    offer_closes_before_hours: Mapped[int] = mapped_column(Integer, default=12)
    cancel_until_hours: Mapped[int] = mapped_column(Integer, default=24)
    #: the definition of kind ``event`` holding the questions
    procedure_key: Mapped[str] = mapped_column(String(100), default="")
    #: 対象 shown and filtered on the list: children | parents_children | elderly | adults
    target_tags: Mapped[list] = mapped_column(JSON, default=list)
    #: a seat with a fee due (first come, a lottery win, an accepted offer) is kept this long for the payment
    pay_within_hours: Mapped[int] = mapped_column(Integer, default=72)
    #: draft | published | unpublished (公開停止: taken off the resident pages by an admin) | cancelled
    status: Mapped[str] = mapped_column(String(12), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True), default=utcnow, onupdate=utcnow)

    municipality: Mapped[Municipality] = relationship()
    sessions: Mapped[list[EventSession]] = relationship(
        back_populates="event", order_by="EventSession.starts_at", cascade="all, delete-orphan")
    image: Mapped[EventImage | None] = relationship(back_populates="event", cascade="all, delete-orphan",
                                                    uselist=False)


class EventImage(Base):
    """An event's optional image, re-encoded on upload (JPEG, no EXIF, at most 1600 px — see
    :mod:`portal.events.images`) and kept in the database so every web process serves it. ``alt`` (Japanese) is
    required; residents reading English get ``alt_en`` when set."""

    __tablename__ = "event_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    #: SHA-256 of ``data``: the served URL carries it, so a browser may cache each version for good
    digest: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(30), default="image/jpeg")
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    alt: Mapped[str] = mapped_column(String(300))
    alt_en: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True), default=utcnow)

    event: Mapped[Event] = relationship(back_populates="image")


class EventSession(Base):
    __tablename__ = "event_session"
    __table_args__ = (
        CheckConstraint("taken >= 0", name="taken_not_negative"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    capacity: Mapped[int] = mapped_column(Integer)
    #: seats held by registrations in HOLDING_SEATS, in people
    taken: Mapped[int] = mapped_column(Integer, default=0)
    #: open | cancelled
    status: Mapped[str] = mapped_column(String(10), default="open")

    event: Mapped[Event] = relationship(back_populates="sessions")


class EventRegistration(Base):
    """One application: a party for one session (single / choice) or for every session of a series."""

    __tablename__ = "event_registration"
    __table_args__ = (Index("ix_event_registration_event_status", "event_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"))
    #: the verified person (identity ``sub``) the caps count against
    person_sub: Mapped[str | None] = mapped_column(String(255), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))
    #: {"adult": 1, "child": 2}
    party: Mapped[dict] = mapped_column(JSON)
    party_size: Mapped[int] = mapped_column(Integer)
    #: the resident's draft of the event's questions, before the application is submitted (status ``draft``)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("draft.id", ondelete="SET NULL"), index=True)
    #: 受付番号 — what the resident reads out at the door and staff type at check-in
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    #: the ticket's secret: the QR code carries it signed (portal.events.tickets), never a name or the reference
    ticket_secret: Mapped[str | None] = mapped_column(String(32), unique=True)
    #: draft | pending_payment | confirmed | applied (lottery) | lost | waiting | offered | lapsed | cancelled
    #: | withdrawn
    status: Mapped[str] = mapped_column(String(16))
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    #: a seat taken with a fee due is given back when it is not paid by then
    pay_by: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    #: added by staff at the door (当日参加): no resident, the name typed in
    walk_in: Mapped[bool] = mapped_column(default=False)
    walk_in_name: Mapped[str] = mapped_column(String(200), default="")
    cancel_reason: Mapped[str] = mapped_column(String(100), default="")
    #: where the confirmation, offers and reminders go (empty: staff phone instead)
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    lang: Mapped[str] = mapped_column(String(5), default="ja")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True), default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    seats: Mapped[list[RegistrationSession]] = relationship(
        back_populates="registration", cascade="all, delete-orphan")


class RegistrationSession(Base):
    """The sessions a registration is for; for a lottery application ``rank`` orders the preferred dates."""

    __tablename__ = "event_registration_session"
    __table_args__ = (UniqueConstraint("registration_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("event_registration.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("event_session.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer, default=1)
    #: the day-before reminder for this session, claimed by the UPDATE that sets it (portal.events.reminders)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    #: 受付: set once by a conditional UPDATE, so a second check-in of the ticket is refused with this time
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    checked_in_by: Mapped[str] = mapped_column(String(100), default="")

    registration: Mapped[EventRegistration] = relationship(back_populates="seats")
    session: Mapped[EventSession] = relationship()


class EventDraw(Base):
    """An event's lottery at the close and its published record — the facility lottery's procedure: ``seed`` is
    made and its SHA-256 ``seed_commitment`` published when applications close, the seed revealed with the
    result, so anyone can re-run the draw from ``record``."""

    __tablename__ = "event_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    #: committed (seed hash published) → drawn
    status: Mapped[str] = mapped_column(String(12), default="committed")
    algorithm: Mapped[str] = mapped_column(String(40), default="")
    seed: Mapped[str | None] = mapped_column(String(128))
    seed_commitment: Mapped[str | None] = mapped_column(String(64))
    inputs_digest: Mapped[str | None] = mapped_column(String(64))
    #: the draw's inputs (pseudonymised) and trace, as published
    record: Mapped[dict | None] = mapped_column(JSON)
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))

    event: Mapped[Event] = relationship()
