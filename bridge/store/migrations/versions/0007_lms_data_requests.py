"""learners' own data requests: a request a person filed in the LMS is recorded once, with
where it came from and the LMS's own request, and each connector keeps the highest request
id a sync has read

Requests recorded before this revision were all opened by hand: they have no source.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bridge.store.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Stamp = bridge.store.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("subject_requests") as table:
        table.add_column(sa.Column("source", sa.Text(), nullable=True))
        table.add_column(sa.Column("lms_connector", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("lms_request_id", sa.BigInteger(), nullable=True))
        table.add_column(sa.Column("lms_user_id", sa.BigInteger(), nullable=True))
        table.create_unique_constraint(
            op.f("uq_subject_requests_lms_connector_lms_request_id"),
            ["lms_connector", "lms_request_id"],
        )
    op.create_table(
        "data_request_marks",
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("connector", name=op.f("pk_data_request_marks")),
    )


def downgrade() -> None:
    op.drop_table("data_request_marks")
    with op.batch_alter_table("subject_requests") as table:
        table.drop_constraint(
            op.f("uq_subject_requests_lms_connector_lms_request_id"), type_="unique"
        )
        for column in ("lms_user_id", "lms_request_id", "lms_connector", "source"):
            table.drop_column(column)
