"""The register's LMS tables keyed by record key, for comparing a fuzzed run with a clean one."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.services.sync.tables import TABLE_OF
from bridge.store.models import QuarantinedRecord
from tests.sync.helpers import VOLATILE

#: Table name → {record key → the row's content without ids and timestamps}.
Keyed = dict[str, dict[tuple[Any, ...], tuple[str, ...]]]


def keyed_rows(session: Session) -> Keyed:
    result: Keyed = {}
    for record_type, model in TABLE_OF.items():
        table = model.__table__
        keys = [table.c[name] for name in record_type.key_fields]
        columns = [c for c in table.columns if c.name not in VOLATILE]
        rows = session.execute(sa.select(*keys, *columns)).all()
        result[table.name] = {
            tuple(row[: len(keys)]): tuple(repr(v) for v in row[len(keys) :]) for row in rows
        }
    return result


def quarantined(session: Session) -> list[tuple[str, str]]:
    """``(stream, reason)`` of every quarantined record."""
    query = sa.select(QuarantinedRecord.stream, QuarantinedRecord.reason)
    return [(stream, reason) for stream, reason in session.execute(query)]
