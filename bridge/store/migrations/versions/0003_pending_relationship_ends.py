"""pending relationship ends: an employer relationship's end recorded ahead, still to be
carried out by the daemon (``bridge.services.access.contract_ends``)

Existing employer relationships whose end date lies ahead (in Finland's calendar) become
pending, so they take effect on their day; ends already past stay history and are not
carried out again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("customer_relationships", sa.Column("pending_end_on", sa.Date(), nullable=True))
    today = datetime.now(ZoneInfo("Europe/Helsinki")).date()
    relationships = sa.table(
        "customer_relationships",
        sa.column("organisation_id", sa.Integer()),
        sa.column("end_date", sa.Date()),
        sa.column("pending_end_on", sa.Date()),
    )
    op.execute(
        relationships.update()
        .where(relationships.c.organisation_id.is_not(None), relationships.c.end_date > today)
        .values(pending_end_on=relationships.c.end_date)
    )


def downgrade() -> None:
    with op.batch_alter_table("customer_relationships") as batch:
        batch.drop_column("pending_end_on")
