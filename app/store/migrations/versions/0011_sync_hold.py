"""national sync: months held back while the device clock was wrong

Revision ID: 0011_sync_hold
Revises: 0012_journal_keyed
Create Date: 2026-11-29

A change to an accepted month made while the computer's clock was off (a year behind files new
visits in a month the service confirmed long ago) is not sent: the month is held, with the hash it
had when held, until a supervisor has checked the dates (app/sync/state.py, release_month).
The counts kept per month (0010_sync_month_status) were computed with names where snapshot
schema /2 sends codes (bus stops by rank, partners outside the catalogue as AUTRE): every month is
marked dirty so the next evaluation counts it again.
"""
from alembic import op
import sqlalchemy as sa

from app.store import dialects

revision = "0011_sync_hold"
down_revision = "0012_journal_keyed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: nothing to rebuild.
    op.add_column("sync_month", sa.Column("held_hash", sa.String(length=64), nullable=True))
    op.execute(f"UPDATE sync_month_status SET dirty = {dialects.true_sql(op.get_bind())}")


def downgrade() -> None:
    with op.batch_alter_table("sync_month") as batch:
        batch.drop_column("held_hash")
