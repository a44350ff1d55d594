"""Rooms remember the last version that changed more than who is online

Revision ID: 5c1e0f3a9b72
Revises: 036d6a317699
Create Date: 2026-11-30 16:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5c1e0f3a9b72'
down_revision = '036d6a317699'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rooms') as batch_op:
        batch_op.add_column(
            sa.Column('content_version', sa.Integer(), nullable=False, server_default='1')
        )
    # Every version so far may have changed what a screen shows.
    op.execute('UPDATE rooms SET content_version = version')


def downgrade():
    with op.batch_alter_table('rooms') as batch_op:
        batch_op.drop_column('content_version')
