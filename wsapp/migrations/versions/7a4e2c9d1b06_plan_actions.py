"""Plan actions: an owner, a due date and a status for what the plan says to do, and the
history of their changes

Revision ID: 7a4e2c9d1b06
Revises: 9b3e5f7a2c41
Create Date: 2026-12-07 08:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7a4e2c9d1b06'
down_revision = '9b3e5f7a2c41'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('cell_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=60), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['rooms.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cell_id'], ['plan_cells.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('plan_actions') as batch_op:
        batch_op.create_index('ix_plan_actions_room_id', ['room_id'], unique=False)
        batch_op.create_index('ix_plan_actions_cell_id', ['cell_id'], unique=False)
    op.create_table('plan_action_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('old', sa.String(length=60), nullable=False),
    sa.Column('new', sa.String(length=60), nullable=False),
    sa.Column('author_name', sa.String(length=60), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['plan_actions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('plan_action_changes') as batch_op:
        batch_op.create_index('ix_plan_action_changes_action_id', ['action_id'], unique=False)


def downgrade():
    op.drop_table('plan_action_changes')
    op.drop_table('plan_actions')
