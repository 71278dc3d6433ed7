"""payments: attempts at the provider with their transitions, processed provider events (idempotency),
refunds, each submission's fee settlement, per-municipality payment settings

Revision ID: 0003_payments
Revises: bc9253e48f3d
Create Date: 2026-11-22 05:00:00

A parallel branch of 0002_backoffice (``portal/migrate.py`` upgrades to every head): nothing here refers to
the back office's tables, so staff ids are plain integers.
"""
import sqlalchemy as sa
from alembic import op

import portal.db

revision = "0003_payments"
down_revision = "bc9253e48f3d"
branch_labels = None
depends_on = None

ACTIVE = "status IN ('created', 'open', 'processing')"


def upgrade() -> None:
    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_session_id", sa.String(length=255), nullable=True),
        sa.Column("provider_payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("provider_charge_id", sa.String(length=255), nullable=True),
        sa.Column("checkout_url", sa.String(length=2000), nullable=True),
        sa.Column("voucher_url", sa.String(length=2000), nullable=True),
        sa.Column("voucher_expires_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("refunded_amount", sa.Integer(), nullable=False),
        sa.Column("needs_refund", sa.Boolean(), nullable=False),
        sa.Column("needs_refund_reason", sa.String(length=200), nullable=False),
        sa.Column("paid_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"], name=op.f("fk_payment_municipality_id_municipality")),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], name=op.f("fk_payment_submission_id_submission")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payment_idempotency_key")),
        sa.UniqueConstraint("provider_session_id", name=op.f("uq_payment_provider_session_id")),
    )
    op.create_index("uq_payment_active_submission", "payment", ["submission_id"], unique=True,
                    sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))
    op.create_index("ix_payment_municipality_created", "payment", ["municipality_id", "created_at"])
    op.create_index("ix_payment_municipality_paid", "payment", ["municipality_id", "paid_at"])
    op.create_index("ix_payment_status", "payment", ["status"])
    op.create_index(op.f("ix_payment_submission_id"), "payment", ["submission_id"])
    op.create_index(op.f("ix_payment_provider_payment_intent_id"), "payment", ["provider_payment_intent_id"])

    op.create_table(
        "payment_transition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=30), nullable=True),
        sa.Column("to_status", sa.String(length=30), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["payment_id"], ["payment.id"], ondelete="CASCADE",
                                name=op.f("fk_payment_transition_payment_id_payment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_transition")),
    )
    op.create_index(op.f("ix_payment_transition_payment_id"), "payment_transition", ["payment_id"])

    op.create_table(
        "processed_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("received_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["payment_id"], ["payment.id"], ondelete="SET NULL",
                                name=op.f("fk_processed_event_payment_id_payment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processed_event")),
        sa.UniqueConstraint("event_id", name=op.f("uq_processed_event_event_id")),
    )

    op.create_table(
        "refund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("provider_refund_id", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"], name=op.f("fk_refund_municipality_id_municipality")),
        sa.ForeignKeyConstraint(["payment_id"], ["payment.id"], name=op.f("fk_refund_payment_id_payment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_refund_idempotency_key")),
        sa.UniqueConstraint("provider_refund_id", name=op.f("uq_refund_provider_refund_id")),
    )
    op.create_index(op.f("ix_refund_municipality_id"), "refund", ["municipality_id"])
    op.create_index(op.f("ix_refund_payment_id"), "refund", ["payment_id"])

    op.create_table(
        "submission_fee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("settled_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"], name=op.f("fk_submission_fee_municipality_id_municipality")),
        sa.ForeignKeyConstraint(["payment_id"], ["payment.id"], ondelete="SET NULL",
                                name=op.f("fk_submission_fee_payment_id_payment")),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], name=op.f("fk_submission_fee_submission_id_submission")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_fee")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_submission_fee_submission_id")),
    )
    op.create_index(op.f("ix_submission_fee_municipality_id"), "submission_fee", ["municipality_id"])

    op.create_table(
        "municipality_payment_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("methods", sa.JSON(), nullable=False),
        sa.Column("konbini_expires_after_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"],
                                name=op.f("fk_municipality_payment_settings_municipality_id_municipality")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipality_payment_settings")),
        sa.UniqueConstraint("municipality_id", name=op.f("uq_municipality_payment_settings_municipality_id")),
    )


def downgrade() -> None:
    op.drop_table("municipality_payment_settings")
    op.drop_index(op.f("ix_submission_fee_municipality_id"), table_name="submission_fee")
    op.drop_table("submission_fee")
    op.drop_index(op.f("ix_refund_payment_id"), table_name="refund")
    op.drop_index(op.f("ix_refund_municipality_id"), table_name="refund")
    op.drop_table("refund")
    op.drop_table("processed_event")
    op.drop_index(op.f("ix_payment_transition_payment_id"), table_name="payment_transition")
    op.drop_table("payment_transition")
    for name in ("ix_payment_provider_payment_intent_id", "ix_payment_submission_id", "ix_payment_status",
                 "ix_payment_municipality_paid", "ix_payment_municipality_created", "uq_payment_active_submission"):
        op.drop_index(name, table_name="payment")
    op.drop_table("payment")
