"""outbox: claimed_at, so a sender claims an email in its own UPDATE before sending it (SQLite has no FOR UPDATE)

Revision ID: 0005_outbox_claim
Revises: 0004_booking
Create Date: 2026-12-01 16:40:00
"""
import sqlalchemy as sa
from alembic import op

import portal.db


revision = '0005_outbox_claim'
down_revision = '0004_booking'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', portal.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
