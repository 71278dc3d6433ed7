"""reservation.reminded_at: the day-before reminder is sent once per booking

Revision ID: 0007_reservation_reminder
Revises: 0006_submission_lang
Create Date: 2026-12-01 18:30:00
"""
import sqlalchemy as sa
from alembic import op

import portal.db


revision = '0007_reservation_reminder'
down_revision = '0006_submission_lang'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reservation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', portal.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reservation', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')
