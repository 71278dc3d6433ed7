"""municipality.contact_department_en: the contact department's English name, for English pages and emails

Revision ID: 0010_municipality_department_en
Revises: 0009_group_members
Create Date: 2026-12-01 19:55:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0010_municipality_department_en'
down_revision = '0009_group_members'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_department_en', sa.String(length=100), server_default='',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_column('contact_department_en')
