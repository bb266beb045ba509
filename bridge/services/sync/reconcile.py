"""Reconciliation: what a full listing no longer shows is marked "removed in LMS", never
deleted (N12); what comes back is un-marked. Set-based: the keys seen are collected in a
scratch table and each table is marked with two statements per pass (CONTRACTS 1)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.registry.base import Base
from bridge.registry.models import SyncSeenKey
from bridge.services.sync.record_store import TABLE_OF
from connectors.records import Record

KEY_FIELDS_OF: dict[type[Base], tuple[str, ...]] = {
    model: record_type.key_fields for record_type, model in TABLE_OF.items()
}


def remember_seen(session: Session, run_id: int, records: Iterable[Record]) -> None:
    rows = []
    for record in records:
        key = record.key
        rows.append(
            {
                "run_id": run_id,
                "table_name": TABLE_OF[type(record)].__tablename__,
                "k1": key[0],
                "k2": key[1] if len(key) > 1 else 0,
            }
        )
    if rows:
        session.execute(sa.insert(SyncSeenKey.__table__), rows)


def mark_removed(
    session: Session, run_id: int, connector: str, models: Iterable[type[Base]], now: datetime
) -> int:
    """Mark rows not seen in this pass as removed, un-mark and stamp those seen.

    Returns how many rows were newly marked removed.
    """
    removed = 0
    seen = SyncSeenKey.__table__
    for model in models:
        table = model.__table__
        keys = [table.c[name] for name in KEY_FIELDS_OF[model]]
        k2: Any = keys[1] if len(keys) > 1 else sa.literal(0)
        was_seen = sa.exists().where(
            seen.c.run_id == run_id,
            seen.c.table_name == table.name,
            seen.c.k1 == keys[0],
            seen.c.k2 == k2,
        )
        result = session.execute(
            sa.update(table)
            .where(table.c.connector == connector, table.c.removed_in_lms_at.is_(None), ~was_seen)
            .values(removed_in_lms_at=now)
        )
        removed += result.rowcount or 0
        session.execute(
            sa.update(table)
            .where(table.c.connector == connector, was_seen)
            .values(last_seen_at=now, removed_in_lms_at=None)
        )
    session.execute(sa.delete(seen).where(seen.c.run_id == run_id))
    return removed


def forget_seen(session: Session, run_id: int) -> None:
    session.execute(sa.delete(SyncSeenKey.__table__).where(SyncSeenKey.run_id == run_id))
