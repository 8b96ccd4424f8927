"""moments de vie checklists: imported catalogues, moments started in a case, their steps

Revision ID: 0003_checklists
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003_checklists'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checklist_catalogue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version')
    )
    op.create_table('case_moment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('accompaniment_id', sa.Integer(), nullable=False),
    sa.Column('moment_id', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('catalogue_version', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['accompaniment_id'], ['accompaniment.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('uuid')
    )
    with op.batch_alter_table('case_moment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_moment_accompaniment_id'), ['accompaniment_id'], unique=False)

    op.create_table('case_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_moment_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('logged_accompaniment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_moment_id'], ['case_moment.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['logged_accompaniment_id'], ['accompaniment.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_step_case_moment_id'), ['case_moment_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_step_case_moment_id'))
    op.drop_table('case_step')
    with op.batch_alter_table('case_moment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_moment_accompaniment_id'))
    op.drop_table('case_moment')
    op.drop_table('checklist_catalogue')
