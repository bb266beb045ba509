"""push alarms: pushes held back because the LMS refused the bridge itself

A push refused for a cause a person must fix (the token, a permission, a missing function)
is held back under an alarm instead of failing for good: `bridge status` shows the alarm,
the daemon logs and mails it once, and a check or sync that proves the cause fixed runs
its pushes again. Pushes failed before this revision stay failed (`bridge push retry`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bridge.store.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Stamp = bridge.store.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "push_alarms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("cause", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("opened_at", Stamp, nullable=False),
        sa.Column("logged_at", Stamp, nullable=True),
        sa.Column("mailed_at", Stamp, nullable=True),
        sa.Column("cleared_at", Stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_alarms")),
    )
    op.create_index(op.f("ix_push_alarms_connector"), "push_alarms", ["connector"])
    op.add_column("outbox", sa.Column("alarm_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_outbox_alarm_id"), "outbox", ["alarm_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_alarm_id"), table_name="outbox")
    with op.batch_alter_table("outbox") as table:
        table.drop_column("alarm_id")
    op.drop_index(op.f("ix_push_alarms_connector"), table_name="push_alarms")
    op.drop_table("push_alarms")
