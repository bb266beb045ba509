"""erasure records: what each erasure did, kept so its receipt can be issued again and its
LMS part confirmed when the read-back verifies it (``bridge subject receipt``)

Erasures made before this revision are recorded from their audit rows (the ``subject
erase`` row holds the receipt); an LMS push already verified done confirms its part with
the time it was verified. Those old erasures count as notified and acknowledged, so the
privacy officer is not told of them again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import bridge.store.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Stamp = bridge.store.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    records = op.create_table(
        "erasure_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("erased_at", Stamp, nullable=False),
        sa.Column("receipt", sa.JSON(), nullable=False),
        sa.Column("lms_confirmed", sa.JSON(), nullable=False),
        sa.Column("confirmed_at", Stamp, nullable=True),
        sa.Column("notified_at", Stamp, nullable=True),
        sa.Column("acknowledged_at", Stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_records")),
    )
    for column in ("person_id", "request_id"):
        op.create_index(op.f(f"ix_erasure_records_{column}"), "erasure_records", [column])
    op.bulk_insert(records, list(_from_audit_trail(op.get_bind())))


def _from_audit_trail(connection: sa.Connection) -> Any:
    audit = sa.table(
        "audit_log",
        sa.column("id", sa.Integer()),
        sa.column("at", Stamp),
        sa.column("action", sa.String()),
        sa.column("person_id", sa.Integer()),
        sa.column("details", sa.JSON()),
    )
    outbox = sa.table(
        "outbox",
        sa.column("id", sa.Integer()),
        sa.column("state", sa.String()),
        sa.column("verified_at", Stamp),
    )
    rows = connection.execute(
        sa.select(audit.c.at, audit.c.person_id, audit.c.details)
        .where(audit.c.action == "subject erase")
        .order_by(audit.c.id)
    )
    for at, person_id, details in rows:
        receipt = (details or {}).get("receipt")
        if person_id is None or not isinstance(receipt, dict):
            continue
        pushes = [s["push"] for s in receipt.get("systems", ()) if s.get("push")]
        confirmed: dict[str, Any] = {}
        if pushes:
            verified = connection.execute(
                sa.select(outbox.c.id, outbox.c.verified_at).where(
                    outbox.c.id.in_(pushes), outbox.c.state == "done"
                )
            )
            confirmed = {str(i): v.isoformat() for i, v in verified if v is not None}
        whole = at if len(confirmed) == len(pushes) else None
        yield {
            "person_id": person_id,
            "request_id": receipt.get("request_id"),
            "erased_at": at,
            "receipt": receipt,
            "lms_confirmed": confirmed,
            "confirmed_at": max([at, *_times(confirmed)]) if whole else None,
            "notified_at": at,
            "acknowledged_at": at,
        }


def _times(confirmed: dict[str, Any]) -> list[datetime]:
    return [datetime.fromisoformat(v) for v in confirmed.values()]


def downgrade() -> None:
    op.drop_table("erasure_records")  # its indexes go with it
