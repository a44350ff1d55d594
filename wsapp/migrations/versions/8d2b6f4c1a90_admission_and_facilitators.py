"""Newcomers may wait to be let in (knocks); facilitators' rooms kept on the server

Revision ID: 8d2b6f4c1a90
Revises: 7a4e2c9d1b06
Create Date: 2026-12-07 07:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '8d2b6f4c1a90'
down_revision = '7a4e2c9d1b06'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rooms') as batch_op:
        batch_op.add_column(
            sa.Column('newcomers_wait', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        'knocks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('room_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('knocked_at', sa.DateTime(), nullable=False),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.Column('participant_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['room_id'], ['rooms.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('knocks') as batch_op:
        batch_op.create_index(batch_op.f('ix_knocks_room_id'), ['room_id'], unique=False)
    op.create_table(
        'facilitators',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('link_hash', sa.String(length=64), nullable=True),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('link_hash'),
    )
    op.create_table(
        'facilitator_rooms',
        sa.Column('facilitator_id', sa.Integer(), nullable=False),
        sa.Column('room_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['facilitator_id'], ['facilitators.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['room_id'], ['rooms.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('facilitator_id', 'room_id'),
    )
    with op.batch_alter_table('facilitator_rooms') as batch_op:
        batch_op.create_index(
            batch_op.f('ix_facilitator_rooms_room_id'), ['room_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('facilitator_rooms') as batch_op:
        batch_op.drop_index(batch_op.f('ix_facilitator_rooms_room_id'))
    op.drop_table('facilitator_rooms')
    op.drop_table('facilitators')
    with op.batch_alter_table('knocks') as batch_op:
        batch_op.drop_index(batch_op.f('ix_knocks_room_id'))
    op.drop_table('knocks')
    with op.batch_alter_table('rooms') as batch_op:
        batch_op.drop_column('newcomers_wait')
