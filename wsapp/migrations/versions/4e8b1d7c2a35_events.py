"""Events: many rooms rolled up live, each room labelled with its team

Revision ID: 4e8b1d7c2a35
Revises: b4c7e1d2a903
Create Date: 2026-12-07 09:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '4e8b1d7c2a35'
down_revision = 'b4c7e1d2a903'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('lead_link_hash', sa.String(length=64), nullable=True),
        sa.Column('lead_generation', sa.Integer(), nullable=False),
        sa.Column('rooms_nonce', sa.String(length=64), nullable=False),
        sa.Column('rooms_key_hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
        sa.UniqueConstraint('lead_link_hash'),
    )
    with op.batch_alter_table('rooms') as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('event_team', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_rooms_event_id'), ['event_id'], unique=False)
        batch_op.create_foreign_key(
            'fk_rooms_event_id_events', 'events', ['event_id'], ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('rooms') as batch_op:
        batch_op.drop_constraint('fk_rooms_event_id_events', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_rooms_event_id'))
        batch_op.drop_column('event_team')
        batch_op.drop_column('event_id')
    op.drop_table('events')
