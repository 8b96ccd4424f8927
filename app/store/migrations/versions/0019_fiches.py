"""fiches: site notes on a fiche, fiches given with an accompaniment

Revision ID: 0019_fiches
Revises: 0011_sync_hold
Create Date: 2026-12-01

The « Vos droits et démarches » base itself is reference data in its own file (fiches.db beside
the store, app/store/fiches_base.py), not in the store. The store keeps what the site adds: notes
on a fiche (journaled by the use case) and the fiches an agent gave with an accompaniment, which
the monthly report counts.
"""
from alembic import op
import sqlalchemy as sa

revision = "0019_fiches"
down_revision = "0016_usager_profile"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fiche_note",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fiche_id", sa.String(length=12), nullable=False),
        sa.Column("structure_id", sa.Integer(), sa.ForeignKey("structure.id"), nullable=False),
        sa.Column("agent_id", sa.Integer(), sa.ForeignKey("agent.id"), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_fiche_note_fiche_id", "fiche_note", ["fiche_id"])
    op.create_table(
        "accompaniment_fiche",
        sa.Column("accompaniment_id", sa.Integer(), sa.ForeignKey("accompaniment.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("fiche_id", sa.String(length=12), primary_key=True),
        sa.Column("title", sa.String(length=200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("accompaniment_fiche")
    op.drop_index("ix_fiche_note_fiche_id", table_name="fiche_note")
    op.drop_table("fiche_note")
