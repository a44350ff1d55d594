"""The room at the front: the quiet write that ends with its timer, the projector's and a
co-facilitator's own links (and which facilitators came in through the latter), and who has said they are done with the current phase

Revision ID: 7d2a9c41e5b8
Revises: 8d2b6f4c1a90
Create Date: 2026-12-07 07:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7d2a9c41e5b8'
down_revision = '8d2b6f4c1a90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rooms') as batch_op:
        batch_op.add_column(
            sa.Column(
                'quiet_write_ends_on_time', sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(sa.Column('projector_nonce', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('projector_key_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('cofacilitator_nonce', sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column('cofacilitator_key_hash', sa.String(length=64), nullable=True)
        )
    with op.batch_alter_table('participants') as batch_op:
        batch_op.add_column(sa.Column('done_phase', sa.Integer(), nullable=True))
    with op.batch_alter_table('facilitator_rooms') as batch_op:
        batch_op.add_column(
            sa.Column('cofacilitator', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table('facilitator_rooms') as batch_op:
        batch_op.drop_column('cofacilitator')
    with op.batch_alter_table('participants') as batch_op:
        batch_op.drop_column('done_phase')
    with op.batch_alter_table('rooms') as batch_op:
        batch_op.drop_column('cofacilitator_key_hash')
        batch_op.drop_column('cofacilitator_nonce')
        batch_op.drop_column('projector_key_hash')
        batch_op.drop_column('projector_nonce')
        batch_op.drop_column('quiet_write_ends_on_time')
