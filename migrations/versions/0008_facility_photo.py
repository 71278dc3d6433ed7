"""facility_photo: an uploaded photo per facility, re-encoded, served by its digest

Revision ID: 0008_facility_photo
Revises: 0007_reservation_reminder
Create Date: 2026-12-01 19:10:00
"""
import sqlalchemy as sa
from alembic import op

import portal.db


revision = '0008_facility_photo'
down_revision = '0007_reservation_reminder'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'facility_photo',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('facility_id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=30), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_facility_photo_facility_id_facility'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_photo')),
        sa.UniqueConstraint('facility_id', name=op.f('uq_facility_photo_facility_id')),
    )
    with op.batch_alter_table('facility_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_photo_digest'), ['digest'], unique=False)


def downgrade() -> None:
    op.drop_table('facility_photo')
