"""partner référents directory and escalations (issue 20)

Revision ID: 0020_referents
Revises: 0011_sync_hold
Create Date: 2026-12-01

Two new tables; nothing existing changes. `escalation.referent_id` is SET NULL when a référent
is erased (rights of the référent): the escalation keeps its partner and channel for the delays.
"""
from alembic import op
import sqlalchemy as sa

revision = "0020_referents"
down_revision = "0019_fiches"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referent",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(length=32), nullable=False, unique=True),
        sa.Column("structure_id", sa.Integer(), sa.ForeignKey("structure.id"), nullable=False),
        sa.Column("partner_code", sa.String(length=20), sa.ForeignKey("partner.code"), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("hours", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.String(length=300), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_referent_structure_id", "referent", ["structure_id"])
    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(length=32), nullable=False, unique=True),
        sa.Column("accompaniment_id", sa.Integer(),
                  sa.ForeignKey("accompaniment.id", ondelete="CASCADE"), nullable=False),
        sa.Column("structure_id", sa.Integer(), sa.ForeignKey("structure.id"), nullable=False),
        sa.Column("partner_code", sa.String(length=20), sa.ForeignKey("partner.code"), nullable=False),
        sa.Column("referent_id", sa.Integer(), sa.ForeignKey("referent.id", ondelete="SET NULL"), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("expected_by", sa.Date(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("agent_id", sa.Integer(), sa.ForeignKey("agent.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_escalation_accompaniment_id", "escalation", ["accompaniment_id"])
    op.create_index("ix_escalation_structure_sent", "escalation", ["structure_id", "sent_on"])


def downgrade() -> None:
    op.drop_table("escalation")
    op.drop_table("referent")
