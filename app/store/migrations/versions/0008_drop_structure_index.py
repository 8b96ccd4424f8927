"""Drop the single-column structure index on accompaniments.

Revision ID: 0008_drop_structure_index
Revises: 0007_search_speed
Create Date: 2026-11-23

ix_accompaniment_structure_occurred starts with structure_id and serves every lookup the old
index served. Left in place, the old index tempted SQLite (no statistics yet) into reading a
whole site and sorting it for the first page of the case list: 2.9 s at a million rows.
"""
from alembic import op

revision = "0008_drop_structure_index"
down_revision = "0007_search_speed"
branch_labels = None
depends_on = None


# Plain DROP/CREATE INDEX, not batch mode: batch mode rebuilds the table and loses the partial
# index of 0007 on the way.
def upgrade() -> None:
    op.drop_index("ix_accompaniment_structure_id", table_name="accompaniment")


def downgrade() -> None:
    op.create_index("ix_accompaniment_structure_id", "accompaniment", ["structure_id"], unique=False)
