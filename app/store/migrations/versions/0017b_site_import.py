"""Site store: the imported journals of single-desk stores (`guichet site import`).

Revision ID: 0017b_site_import
Revises: 0017_site_store
Create Date: 2026-12-01

Each imported store's journal is kept verbatim (ids, times, hashes) so that its chain still verifies
with its own key; the site's journal continues with one `site_imported` entry naming its head.
On PostgreSQL the copy is append-only like the journal (triggers here, privileges in
app/store/journal_pg.py).
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.store import dialects

revision = "0017b_site_import"
down_revision = "0017_site_store"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journal_import",
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("object_ref", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("source", "id"),
    )
    for ddl in dialects.journal_import_guard(op.get_bind())[0]:
        op.execute(ddl)


def downgrade() -> None:
    for ddl in dialects.journal_import_guard(op.get_bind())[1]:
        op.execute(ddl)
    op.drop_table("journal_import")
