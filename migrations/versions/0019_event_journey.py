"""The event journey: the registration's draft, 受付番号 and ticket secret, payment deadline, walk-ins, check-in,
the event draw; email attachments (the ticket's QR code)

Revision ID: 0019_event_journey
Revises: 0018_event_reminders
Create Date: 2026-12-03 22:42:06.284769
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0019_event_journey'
down_revision = '0018_event_reminders'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_draw',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('algorithm', sa.String(length=40), nullable=False),
    sa.Column('seed', sa.String(length=128), nullable=True),
    sa.Column('seed_commitment', sa.String(length=64), nullable=True),
    sa.Column('inputs_digest', sa.String(length=64), nullable=True),
    sa.Column('record', sa.JSON(), nullable=True),
    sa.Column('committed_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('drawn_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_draw_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_draw')),
    sa.UniqueConstraint('event_id', name=op.f('uq_event_draw_event_id'))
    )
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachments', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_tags', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('pay_within_hours', sa.Integer(), nullable=False, server_default='72'))

    with op.batch_alter_table('event_registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reference', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('ticket_secret', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('pay_by', portal.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('walk_in', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('walk_in_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=100), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_event_registration_draft_id'), ['draft_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_event_registration_reference'), ['reference'])
        batch_op.create_unique_constraint(batch_op.f('uq_event_registration_ticket_secret'), ['ticket_secret'])
        batch_op.create_foreign_key(batch_op.f('fk_event_registration_draft_id_draft'), 'draft', ['draft_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('event_registration_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checked_in_at', portal.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('checked_in_by', sa.String(length=100), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('event_registration_session', schema=None) as batch_op:
        batch_op.drop_column('checked_in_by')
        batch_op.drop_column('checked_in_at')

    with op.batch_alter_table('event_registration', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_event_registration_draft_id_draft'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_event_registration_ticket_secret'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_event_registration_reference'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_event_registration_draft_id'))
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('walk_in_name')
        batch_op.drop_column('walk_in')
        batch_op.drop_column('pay_by')
        batch_op.drop_column('ticket_secret')
        batch_op.drop_column('reference')
        batch_op.drop_column('draft_id')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('pay_within_hours')
        batch_op.drop_column('target_tags')

    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.drop_column('attachments')

    op.drop_table('event_draw')
