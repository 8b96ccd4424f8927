"""national sync: month outbox and sync journal

Revision ID: 0005_sync
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa

revision = "0005_sync"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_month",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("sent_hash", sa.String(length=64), nullable=True),
        sa.Column("sent_sequence", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("accepted_hash", sa.String(length=64), nullable=True),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("rejected_hash", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("closed_hash", sa.String(length=64), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("correction_reason", sa.String(length=300), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["structure_id"], ["structure.id"]),
        sa.ForeignKeyConstraint(["closed_by"], ["agent.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("structure_id", "month", name="uq_sync_month_structure_month"),
    )
    with op.batch_alter_table("sync_month", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_month_structure_id"), ["structure_id"], unique=False)

    op.create_table(
        "sync_journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("transport", sa.String(length=20), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("answer", sa.String(length=500), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["structure_id"], ["structure.id"]),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sync_journal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_journal_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sync_journal_structure_id"), ["structure_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sync_journal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_journal_structure_id"))
        batch_op.drop_index(batch_op.f("ix_sync_journal_at"))
    op.drop_table("sync_journal")
    with op.batch_alter_table("sync_month", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_month_structure_id"))
    op.drop_table("sync_month")
