"""Counts of each (structure, month) as last computed for the sync, marked dirty by writes.

Revision ID: 0010_sync_month_status
Revises: 0009_drop_status_index
Create Date: 2026-12-01

The status bar used to rebuild every month's snapshot after every save to count pending months.
Writes now mark the months they touch (app/core/changes.py) and only those are re-evaluated.
Every month already in the store starts dirty, so the first evaluation covers them all.
"""
import sqlalchemy as sa
from alembic import op

from app.store import dialects

revision = "0010_sync_month_status"
down_revision = "0009_drop_status_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_month_status",
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("structure_id", "month"),
    )
    # Months with accompaniments, and months the sync already knows: all to evaluate once.
    bind = op.get_bind()
    month, true = dialects.month_start_sql(bind, "occurred_at"), dialects.true_sql(bind)
    op.execute(f"""
        INSERT INTO sync_month_status (structure_id, month, dirty)
        SELECT DISTINCT structure_id, {month}, {true} FROM accompaniment
        UNION
        SELECT structure_id, month, {true} FROM sync_month
    """)


def downgrade() -> None:
    op.drop_table("sync_month_status")
