"""reservation_slot.cancelled_at and cancel_fee: a resident may cancel some slots of a booking, each with its
own late fee

Revision ID: bookingmail_slot_cancel
Revises: 0012_security_sessions_limits
Create Date: 2026-12-02 18:30:00
"""
import sqlalchemy as sa
from alembic import op

import portal.db


revision = 'bookingmail_slot_cancel'
down_revision = '0012_security_sessions_limits'
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
