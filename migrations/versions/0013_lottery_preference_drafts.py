"""lottery_preference_draft: the slots a resident picks for a lottery, kept between the pick pages;
facility.area_en and municipality.prefecture_en: district and prefecture names in English

Revision ID: 0013_lottery_preference_drafts
Revises: 0012_security_sessions_limits
Create Date: 2026-12-02 18:30:00
"""
import sqlalchemy as sa
from alembic import op

import portal.db

revision = '0013_lottery_preference_drafts'
down_revision = '0012_security_sessions_limits'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'lottery_preference_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('facility_id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('preferences', sa.JSON(), nullable=False),
        sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['facility_id'], ['facility.id'],
                                name=op.f('fk_lottery_preference_draft_facility_id_facility')),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'],
                                name=op.f('fk_lottery_preference_draft_municipality_id_municipality')),
        sa.ForeignKeyConstraint(['resident_id'], ['resident.id'],
                                name=op.f('fk_lottery_preference_draft_resident_id_resident')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lottery_preference_draft')),
        sa.UniqueConstraint('resident_id', 'facility_id', 'year', 'month',
                            name=op.f('uq_lottery_preference_draft_resident_id')),
    )
    with op.batch_alter_table('lottery_preference_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lottery_preference_draft_facility_id'), ['facility_id'], unique=False)
    with op.batch_alter_table('facility', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area_en', sa.String(length=100), server_default='', nullable=False))
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prefecture_en', sa.String(length=40), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_column('prefecture_en')
    with op.batch_alter_table('facility', schema=None) as batch_op:
        batch_op.drop_column('area_en')
    op.drop_table('lottery_preference_draft')
