"""Series: a workshop and its check-ins, and the previous session's tallies a check-in
measures movement from

Revision ID: 4e8c1b7d2f95
Revises: 7d2a9c41e5b8
Create Date: 2026-12-07 09:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '4e8c1b7d2f95'
down_revision = '7d2a9c41e5b8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rooms') as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('series_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('meets_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_rooms_series_id', ['series_id'], unique=False)
        batch_op.create_foreign_key(
            'fk_rooms_series_id_series', 'series', ['series_id'], ['id'], ondelete='SET NULL'
        )
    op.create_table('previous_tallies',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['poster_items.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'level')
    )


def downgrade():
    op.drop_table('previous_tallies')
    with op.batch_alter_table('rooms') as batch_op:
        batch_op.drop_constraint('fk_rooms_series_id_series', type_='foreignkey')
        batch_op.drop_index('ix_rooms_series_id')
        batch_op.drop_column('meets_on')
        batch_op.drop_column('series_days')
        batch_op.drop_column('series_id')
    op.drop_table('series')
