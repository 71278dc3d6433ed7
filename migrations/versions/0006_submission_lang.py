"""submission.lang: the language the resident applied in, so status and payment emails follow it

Revision ID: 0006_submission_lang
Revises: 0005_outbox_claim
Create Date: 2026-12-01 18:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0006_submission_lang'
down_revision = '0005_outbox_claim'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lang', sa.String(length=5), server_default='ja', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('lang')
