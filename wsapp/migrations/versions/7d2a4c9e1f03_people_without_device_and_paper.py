"""People without a device, table captains, and tallies typed in from paper posters

Revision ID: 7d2a4c9e1f03
Revises: 5c1e0f3a9b72
Create Date: 2026-12-07 07:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7d2a4c9e1f03'
down_revision = '5c1e0f3a9b72'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participants') as batch_op:
        batch_op.add_column(
            sa.Column('without_device', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column('captain', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        'paper_tallies',
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('green', sa.Integer(), nullable=False),
        sa.Column('yellow', sa.Integer(), nullable=False),
        sa.Column('red', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['poster_items.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('item_id'),
    )


def downgrade():
    op.drop_table('paper_tallies')
    with op.batch_alter_table('participants') as batch_op:
        batch_op.drop_column('captain')
        batch_op.drop_column('without_device')
