"""Drop the index on accompaniment.status.

Revision ID: 0009_drop_status_index
Revises: 0008_drop_structure_index
Create Date: 2026-11-23

Nine visits in ten are « clos »: the index is never selective, yet without statistics SQLite
chose it for « counted statuses » filters and read the whole table (today's activity: 0.77 s at
a million rows). Open follow-ups have their own partial index (0007).
"""
from alembic import op

revision = "0009_drop_status_index"
down_revision = "0008_drop_structure_index"
branch_labels = None
depends_on = None


# Plain DROP/CREATE INDEX, not batch mode: batch mode rebuilds the table and loses the partial
# index of 0007 on the way.
def upgrade() -> None:
    op.drop_index("ix_accompaniment_status", table_name="accompaniment")


def downgrade() -> None:
    op.create_index("ix_accompaniment_status", "accompaniment", ["status"], unique=False)
