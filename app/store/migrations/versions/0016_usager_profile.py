"""usager profile: the QPV/ZRR flag beside the existing age band, sex and commune

Revision ID: 0016_usager_profile
Revises: 0011_sync_hold
Create Date: 2026-12-01

Funders count usagers living in a quartier prioritaire (QPV) or a zone de revitalisation rurale
(ZRR). A flag says it without an address (minimisation); « non_communique » is the default, so
every existing usager stays « non renseigné » until an agent records it with the usager's accord.
Age band, sex and commune already had columns (0001_foundation).
"""
from alembic import op
import sqlalchemy as sa

revision = "0016_usager_profile"
down_revision = "0011_sync_hold"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN with a constant default: SQLite does not rebuild the table.
    op.add_column("usager", sa.Column("territory", sa.String(length=20), nullable=False,
                                      server_default="non_communique"))


def downgrade() -> None:
    with op.batch_alter_table("usager") as batch:
        batch.drop_column("territory")
