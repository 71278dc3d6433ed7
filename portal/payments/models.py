"""Payments: one ``Payment`` per attempt at the provider, its transitions, the provider's events we have
applied (the idempotency anchor), refunds, each submission's fee settlement, and per-municipality settings.

Money is integer yen (JPY has no minor unit); times are UTC.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow
from portal.procedures.models import Submission
from portal.tenancy.models import Municipality

#: statuses in which a payment still may become paid through its own session (one per submission at a time)
ACTIVE = ("created", "open", "processing")
ACTIVE_SQL = "status IN ('created', 'open', 'processing')"


class Payment(Base):
    """One attempt to collect a submission's fee through the provider (one Checkout Session)."""

    __tablename__ = "payment"
    __table_args__ = (
        # A double click on 支払う makes one attempt: the database refuses a second active one.
        Index("uq_payment_active_submission", "submission_id", unique=True,
              sqlite_where=text(ACTIVE_SQL), postgresql_where=text(ACTIVE_SQL)),
        Index("ix_payment_municipality_created", "municipality_id", "created_at"),
        Index("ix_payment_municipality_paid", "municipality_id", "paid_at"),
        Index("ix_payment_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="jpy")
    status: Mapped[str] = mapped_column(String(30), default="created")
    #: card | konbini | paypay, once known
    method: Mapped[str | None] = mapped_column(String(20))
    provider: Mapped[str] = mapped_column(String(20), default="stripe")
    provider_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: real Stripe returns the PaymentIntent only once the customer pays
    provider_payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    provider_charge_id: Mapped[str | None] = mapped_column(String(255))
    checkout_url: Mapped[str | None] = mapped_column(String(2000))
    #: konbini: the voucher page and its deadline
    voucher_url: Mapped[str | None] = mapped_column(String(2000))
    voucher_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    refunded_amount: Mapped[int] = mapped_column(Integer, default=0)
    #: money arrived for a submission that no longer wants it: staff must refund, never keep it silently
    needs_refund: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_refund_reason: Mapped[str] = mapped_column(String(200), default="")
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    submission: Mapped[Submission] = relationship()
    municipality: Mapped[Municipality] = relationship()
    transitions: Mapped[list[PaymentTransition]] = relationship(
        back_populates="payment", order_by="PaymentTransition.id", cascade="all, delete-orphan"
    )
    refunds: Mapped[list[Refund]] = relationship(back_populates="payment", order_by="Refund.id")

    @property
    def refundable_amount(self) -> int:
        return self.amount - self.refunded_amount if self.status in ("paid", "partially_refunded") else 0


class PaymentTransition(Base):
    """Every status change of a payment, with where the news came from."""

    __tablename__ = "payment_transition"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    #: webhook | return_page | reconciliation | staff | resident
    source: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str | None] = mapped_column(String(255))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    payment: Mapped[Payment] = relationship(back_populates="transitions")


class ProcessedEvent(Base):
    """A provider event we have applied. Inserted in the same transaction as its effects: a replayed or
    duplicated delivery finds its row (or fails on the unique id) and changes nothing."""

    __tablename__ = "processed_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20), default="stripe")
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Refund(Base):
    """Money given back, from the back office or found at the provider (made in its dashboard)."""

    __tablename__ = "refund"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    provider_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: requested (before the provider answered) | pending | requires_action | succeeded | failed | canceled
    status: Mapped[str] = mapped_column(String(20), default="requested")
    #: staff | dashboard
    source: Mapped[str] = mapped_column(String(20), default="staff")
    #: no foreign key: the staff tables come from a parallel migration branch
    staff_id: Mapped[int | None] = mapped_column(Integer)
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    payment: Mapped[Payment] = relationship(back_populates="refunds")

    @property
    def counts(self) -> bool:
        """Whether the money is (being) given back: what the provider counts in ``amount_refunded``."""
        return self.status in ("pending", "requires_action", "succeeded")


class SubmissionFee(Base):
    """How a submission's fee was settled: still due, paid online, paid at the counter (cash), exempt
    (減免), or refunded. Absent = due (for a submission with a fee)."""

    __tablename__ = "submission_fee"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), unique=True)
    #: due | paid | cash | exempt | refunded
    status: Mapped[str] = mapped_column(String(20), default="due")
    #: the online payment that settled it
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    staff_id: Mapped[int | None] = mapped_column(Integer)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    submission: Mapped[Submission] = relationship()


class MunicipalityPaymentSettings(Base):
    """Which methods a municipality accepts, and how long a konbini voucher stays valid."""

    __tablename__ = "municipality_payment_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    methods: Mapped[list] = mapped_column(JSON, default=lambda: ["card", "konbini", "paypay"])
    konbini_expires_after_days: Mapped[int] = mapped_column(Integer, default=3)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
