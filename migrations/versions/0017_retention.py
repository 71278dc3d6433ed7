"""Retention of personal data: each municipality's default periods, and when a submission was anonymised

Revision ID: 0017_retention
Revises: 0016_reservation_slot_cancel
Create Date: 2026-12-02 18:30:00
"""
import sqlalchemy as sa
from alembic import op

import portal.db

revision = '0017_retention'
down_revision = '0016_reservation_slot_cancel'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_drafts_days', sa.Integer(), server_default='30', nullable=False))
        batch_op.add_column(sa.Column('retention_submissions_years', sa.Integer(), server_default='5', nullable=False))
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_at', portal.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_column('retention_submissions_years')
        batch_op.drop_column('retention_drafts_days')
