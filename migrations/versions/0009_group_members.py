"""booking_group_member and booking_group.invite_token: members join a registered group by invitation

Revision ID: 0009_group_members
Revises: 0008_facility_photo
Create Date: 2026-12-01 19:40:00
"""
import sqlalchemy as sa
from alembic import op

import portal.db


revision = '0009_group_members'
down_revision = '0008_facility_photo'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('booking_group', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invite_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_booking_group_invite_token'), ['invite_token'])
    op.create_table(
        'booking_group_member',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('person_sub', sa.String(length=255), nullable=False),
        sa.Column('joined_at', portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['booking_group.id'],
                                name=op.f('fk_booking_group_member_group_id_booking_group'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['resident_id'], ['resident.id'],
                                name=op.f('fk_booking_group_member_resident_id_resident')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_group_member')),
        sa.UniqueConstraint('group_id', 'person_sub', name=op.f('uq_booking_group_member_group_id')),
    )
    with op.batch_alter_table('booking_group_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_group_member_person_sub'), ['person_sub'], unique=False)


def downgrade() -> None:
    op.drop_table('booking_group_member')
    with op.batch_alter_table('booking_group', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_booking_group_invite_token'), type_='unique')
        batch_op.drop_column('invite_token')
