"""call attempts on follow-ups (« À relancer »): outcome, note and next date per call

Revision ID: 0014_call_attempts
Revises: 0016_usager_profile
Create Date: 2026-12-01

A new table only (app/models/followups.py); no existing row changes. Not read by the monthly
report nor by the national sync.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0014_call_attempts"
down_revision = "0020_referents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("accompaniment_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("next_follow_up_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["accompaniment_id"], ["accompaniment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("call_attempt") as batch:
        batch.create_index(batch.f("ix_call_attempt_accompaniment_id"), ["accompaniment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("call_attempt") as batch:
        batch.drop_index(batch.f("ix_call_attempt_accompaniment_id"))
    op.drop_table("call_attempt")
