"""security: audit journal (append-only, hash-chained), its purge anchor, login throttling

Revision ID: 0002_security
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from app.models.security import GENESIS_HASH
from app.store import dialects

revision = "0002_security"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("object_ref", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("journal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journal_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_journal_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_journal_object_ref"), ["object_ref"], unique=False)

    op.create_table(
        "journal_anchor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cutoff_id", sa.Integer(), nullable=False),
        sa.Column("anchor_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("purged_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("id = 1", name="ck_journal_anchor_single_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(f"INSERT INTO journal_anchor (id, cutoff_id, anchor_hash) VALUES (1, 0, '{GENESIS_HASH}')")

    op.create_table(
        "login_attempt",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"]),
        sa.PrimaryKeyConstraint("agent_id"),
    )

    create, _drop = dialects.journal_guard(op.get_bind(), 1)
    for ddl in create:
        op.execute(ddl)


def downgrade() -> None:
    _create, drop = dialects.journal_guard(op.get_bind(), 1)
    for ddl in drop:
        op.execute(ddl)
    op.drop_table("login_attempt")
    op.drop_table("journal_anchor")
    with op.batch_alter_table("journal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_object_ref"))
        batch_op.drop_index(batch_op.f("ix_journal_action"))
        batch_op.drop_index(batch_op.f("ix_journal_at"))
    op.drop_table("journal")
