"""facility.usage_rules and usage_rules_en: the facility's 利用規則, shown to residents before they agree to them

Revision ID: 0014_facility_usage_rules
Revises: 0013_lottery_preference_drafts
Create Date: 2026-12-02 18:20:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0014_facility_usage_rules'
down_revision = '0013_lottery_preference_drafts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('facility', schema=None) as batch_op:
        batch_op.add_column(sa.Column('usage_rules', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('usage_rules_en', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('facility', schema=None) as batch_op:
        batch_op.drop_column('usage_rules_en')
        batch_op.drop_column('usage_rules')
