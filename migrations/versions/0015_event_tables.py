"""event, event_session (seats counted on the row), event_registration and its sessions

Revision ID: 0015_event_tables
Revises: 0014_facility_usage_rules
Create Date: 2026-12-02 18:15:59.175157
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0015_event_tables'
down_revision = '0014_facility_usage_rules'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('title_kana', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=False),
    sa.Column('contact', sa.String(length=300), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('venue_name', sa.String(length=200), nullable=False),
    sa.Column('venue_address', sa.String(length=300), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('accessibility', sa.Text(), nullable=False),
    sa.Column('what_to_bring', sa.Text(), nullable=False),
    sa.Column('audience', sa.String(length=20), nullable=False),
    sa.Column('eligibility', sa.JSON(), nullable=False),
    sa.Column('session_mode', sa.String(length=10), nullable=False),
    sa.Column('participant_types', sa.JSON(), nullable=False),
    sa.Column('max_party', sa.Integer(), nullable=False),
    sa.Column('opens_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('allocation', sa.String(length=12), nullable=False),
    sa.Column('waitlist', sa.Boolean(), nullable=False),
    sa.Column('offer_hold_hours', sa.Integer(), nullable=False),
    sa.Column('offer_closes_before_hours', sa.Integer(), nullable=False),
    sa.Column('cancel_until_hours', sa.Integer(), nullable=False),
    sa.Column('procedure_key', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_event_facility_id_facility')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_event_municipality_id_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event')),
    sa.UniqueConstraint('municipality_id', 'slug', name=op.f('uq_event_municipality_id'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('event_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('taken', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.CheckConstraint('capacity >= 0', name=op.f('ck_event_session_capacity_not_negative')),
    sa.CheckConstraint('taken >= 0', name=op.f('ck_event_session_taken_not_negative')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_session_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_session'))
    )
    with op.batch_alter_table('event_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_session_event_id'), ['event_id'], unique=False)

    op.create_table('event_registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('person_sub', sa.String(length=255), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('party', sa.JSON(), nullable=False),
    sa.Column('party_size', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('offer_expires_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_registration_event_id_event')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_event_registration_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_event_registration_resident_id_resident')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_event_registration_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_registration'))
    )
    with op.batch_alter_table('event_registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_registration_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_event_registration_event_status', ['event_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_registration_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_registration_person_sub'), ['person_sub'], unique=False)

    op.create_table('event_registration_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['event_registration.id'], name=op.f('fk_event_registration_session_registration_id_event_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['event_session.id'], name=op.f('fk_event_registration_session_session_id_event_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_registration_session')),
    sa.UniqueConstraint('registration_id', 'session_id', name=op.f('uq_event_registration_session_registration_id'))
    )
    with op.batch_alter_table('event_registration_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_registration_session_session_id'), ['session_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('event_registration_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_registration_session_session_id'))

    op.drop_table('event_registration_session')
    with op.batch_alter_table('event_registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_registration_person_sub'))
        batch_op.drop_index(batch_op.f('ix_event_registration_municipality_id'))
        batch_op.drop_index('ix_event_registration_event_status')
        batch_op.drop_index(batch_op.f('ix_event_registration_event_id'))

    op.drop_table('event_registration')
    with op.batch_alter_table('event_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_session_event_id'))

    op.drop_table('event_session')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_municipality_id'))

    op.drop_table('event')
