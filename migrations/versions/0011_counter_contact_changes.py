"""submission.contact_method: how a counter applicant wants to hear from us (電話, 郵送, 窓口, メール);
submission_event.changes: what a correction (補正) changed, each flagged field's answer before and after

Revision ID: 0011_counter_contact_changes
Revises: 0010_municipality_department_en
Create Date: 2026-12-02 11:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0011_counter_contact_changes'
down_revision = '0010_municipality_department_en'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_method', sa.String(length=20), nullable=True))
    with op.batch_alter_table('submission_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changes', sa.JSON(), server_default='[]', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('submission_event', schema=None) as batch_op:
        batch_op.drop_column('changes')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('contact_method')
