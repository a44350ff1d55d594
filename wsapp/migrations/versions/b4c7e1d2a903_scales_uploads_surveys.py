"""Scales beyond three colours, posters from a file and survey results beside the dots:
a room's scale and survey title, an item's code and level descriptors, paper dots counted
per level, dots that name any level, the survey's items and the facilitator's poster kits

Revision ID: b4c7e1d2a903
Revises: 4e8c1b7d2f95
Create Date: 2026-12-07 10:00:00

"""
import json

from alembic import op
import sqlalchemy as sa


revision = 'b4c7e1d2a903'
down_revision = '4e8c1b7d2f95'
branch_labels = None
depends_on = None

COLOURS = ('green', 'yellow', 'red')


def upgrade():
    with op.batch_alter_table('rooms') as batch_op:
        batch_op.add_column(sa.Column('scale_id', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('survey_title', sa.String(length=120), nullable=True))
    with op.batch_alter_table('poster_items') as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('descriptors', sa.JSON(), nullable=True))
    with op.batch_alter_table('dots') as batch_op:
        batch_op.alter_column(
            'colour', existing_type=sa.String(length=8), type_=sa.String(length=20)
        )
    with op.batch_alter_table('paper_tallies') as batch_op:
        batch_op.add_column(sa.Column('counts', sa.JSON(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text('SELECT item_id, green, yellow, red FROM paper_tallies'))
    for item_id, *numbers in list(rows):
        counts = {colour: n for colour, n in zip(COLOURS, numbers) if n}
        connection.execute(
            sa.text('UPDATE paper_tallies SET counts = :counts WHERE item_id = :item_id'),
            {'counts': json.dumps(counts), 'item_id': item_id},
        )
    with op.batch_alter_table('paper_tallies') as batch_op:
        batch_op.alter_column('counts', existing_type=sa.JSON(), nullable=False)
        for colour in COLOURS:
            batch_op.drop_column(colour)
    op.create_table(
        'survey_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('room_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('shares', sa.JSON(), nullable=False),
        sa.Column('mean', sa.Float(), nullable=True),
        sa.Column('score', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['room_id'], ['rooms.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('room_id', 'code'),
    )
    op.create_table(
        'poster_kits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('facilitator_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('scale_id', sa.String(length=80), nullable=False),
        sa.Column('posters', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['facilitator_id'], ['facilitators.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('poster_kits') as batch_op:
        batch_op.create_index('ix_poster_kits_facilitator_id', ['facilitator_id'])


def downgrade():
    with op.batch_alter_table('poster_kits') as batch_op:
        batch_op.drop_index('ix_poster_kits_facilitator_id')
    op.drop_table('poster_kits')
    op.drop_table('survey_items')
    with op.batch_alter_table('paper_tallies') as batch_op:
        for colour in COLOURS:
            batch_op.add_column(
                sa.Column(colour, sa.Integer(), nullable=False, server_default='0')
            )
    connection = op.get_bind()
    rows = connection.execute(sa.text('SELECT item_id, counts FROM paper_tallies'))
    for item_id, counts in list(rows):
        counts = json.loads(counts) if isinstance(counts, str) else counts
        connection.execute(
            sa.text(
                'UPDATE paper_tallies SET green = :green, yellow = :yellow, red = :red '
                'WHERE item_id = :item_id'
            ),
            {**{colour: counts.get(colour, 0) for colour in COLOURS}, 'item_id': item_id},
        )
    with op.batch_alter_table('paper_tallies') as batch_op:
        batch_op.drop_column('counts')
    with op.batch_alter_table('dots') as batch_op:
        batch_op.alter_column(
            'colour', existing_type=sa.String(length=20), type_=sa.String(length=8)
        )
    with op.batch_alter_table('poster_items') as batch_op:
        batch_op.drop_column('descriptors')
        batch_op.drop_column('code')
    with op.batch_alter_table('rooms') as batch_op:
        batch_op.drop_column('survey_title')
        batch_op.drop_column('scale_id')
