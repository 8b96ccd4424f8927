"""Site store: a version on each case (optimistic locking when several desks share a store).

Revision ID: 0017_site_store
Revises: 0016_usager_profile
Create Date: 2026-12-01

A form keeps the version of the case it opened; saving over a case changed since then by another
desk is refused with who changed what and when (app/core/concurrency.py). Existing cases start at 1.
A plain ADD COLUMN with a server default: no table rebuild (a batch rebuild on SQLite would lose
the partial index of 0007).
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_site_store"
down_revision = "0014_call_attempts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accompaniment", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    # SQLite >= 3.35 drops a column in place (no rebuild); PostgreSQL always could.
    op.drop_column("accompaniment", "version")
