"""Pre-work: a room opened before the meeting, with a deadline

Revision ID: 9b3e5f7a2c41
Revises: 7d2a4c9e1f03
Create Date: 2026-12-07 08:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '9b3e5f7a2c41'
down_revision = '7d2a4c9e1f03'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rooms') as batch_op:
        batch_op.add_column(
            sa.Column('prework_open', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column('prework_until', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('rooms') as batch_op:
        batch_op.drop_column('prework_until')
        batch_op.drop_column('prework_open')
