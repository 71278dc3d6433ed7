"""event_registration.contact_email and event_registration_session.reminded_at (the day-before reminder)

Revision ID: 0018_event_reminders
Revises: 0017_retention
Create Date: 2026-12-02 19:23:34.373192
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0018_event_reminders'
down_revision = '0017_retention'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('event_registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=False, server_default=''))

    with op.batch_alter_table('event_registration_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', portal.db.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('event_registration_session', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')

    with op.batch_alter_table('event_registration', schema=None) as batch_op:
        batch_op.drop_column('contact_email')

