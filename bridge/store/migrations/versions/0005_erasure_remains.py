"""erasure remains: what the LMS read back as still naming an erased person

Each erasure record keeps, per LMS push, the counts the read-back after the deletion
showed (rows per place, flags of the account row; no values), so the confirmed receipt
says what the LMS kept and why. Erasures confirmed before this revision have none: their
receipt says that what remains was not read back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("erasure_records", sa.Column("lms_remains", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("erasure_records") as table:
        table.drop_column("lms_remains")
