"""An event's optional image (one per event): re-encoded bytes, digest for the versioned URL, alt text ja/en

Revision ID: 0020_event_image
Revises: 0019_event_journey
Create Date: 2026-12-04 20:40:00.000000
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0020_event_image'
down_revision = '0019_event_journey'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_image',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=30), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('alt', sa.String(length=300), nullable=False),
    sa.Column('alt_en', sa.String(length=300), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_image_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_image')),
    sa.UniqueConstraint('event_id', name=op.f('uq_event_image_event_id'))
    )


def downgrade() -> None:
    op.drop_table('event_image')
