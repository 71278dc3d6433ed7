"""reservation_slot.cancelled_at and cancel_fee: a resident may cancel some slots of a booking, each with its
own late fee

Revision ID: 0016_reservation_slot_cancel
Revises: 0015_event_tables
Create Date: 2026-12-02 18:30:00
"""
import sqlalchemy as sa
from alembic import op

import portal.db


revision = '0016_reservation_slot_cancel'
down_revision = '0015_event_tables'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reservation_slot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', portal.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancel_fee', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('reservation_slot', schema=None) as batch_op:
        batch_op.drop_column('cancel_fee')
        batch_op.drop_column('cancelled_at')
