"""satisfaction surveys: anonymous survey_response table

Revision ID: 0004_surveys
Revises: 0001_foundation
Create Date: 2026-11-23 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004_surveys'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Deliberately no usager/accompaniment/agent column and no timestamp (see app/models/surveys.py).
    op.create_table('survey_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('canal', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('bus_stop_id', sa.Integer(), nullable=True),
    sa.Column('partner_code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('thematique', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('satisfaction_globale', sa.Integer(), nullable=True),
    sa.Column('facilite_acces', sa.Integer(), nullable=True),
    sa.Column('delais', sa.Integer(), nullable=True),
    sa.Column('simplicite', sa.Integer(), nullable=True),
    sa.Column('qualite_accueil', sa.Integer(), nullable=True),
    sa.Column('demarche_aboutie', sa.Boolean(), nullable=True),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.ForeignKeyConstraint(['bus_stop_id'], ['bus_stop.id'], ),
    sa.ForeignKeyConstraint(['partner_code'], ['partner.code'], ),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('uuid')
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_response_answered_on'), ['answered_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_response_partner_code'), ['partner_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_response_structure_id'), ['structure_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_response_structure_id'))
        batch_op.drop_index(batch_op.f('ix_survey_response_partner_code'))
        batch_op.drop_index(batch_op.f('ix_survey_response_answered_on'))
    op.drop_table('survey_response')
