"""The database's own limit for the sync's rows: the yardstick beside ``insert_rows_per_s``.

The same rows the bridge stores (the same columns, types and values, one row per fetched
record) are written with the plainest fast path each database has, into bare tables
(the columns the bridge writes, with the register's types; no id, constraint or index):

- SQLite: one transaction, one ``executemany`` of a plain ``INSERT`` per table, with the
  register's own pragmas (WAL, ``synchronous=NORMAL``);
- PostgreSQL: one transaction, one ``COPY … FROM STDIN`` per table.

Only the writing is timed: the rows are built before the clock starts. Used by
``sync_throughput.py``; kept free of the bridge's write path so that it measures the
same thing whatever that path does.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bridge.store.db import make_engine
from bridge.store.lms import LMS_TABLES
from connectors.records import Record, UserRecord

_PAIRS = {"custom_fields", "settings"}
_BOOKKEEPING = ("content_hash", "run_id", "source", "source_ref", "first_seen_at",
                "changed_at", "removed_in_lms_at")


def _table_of(record: Record) -> sa.Table:
    """The register table of a record type: the one unique on (connector, its key fields)."""
    key = ("connector", *record.key_fields)
    for model in LMS_TABLES:
        table = model.__table__
        unique = [c for c in table.constraints if isinstance(c, sa.UniqueConstraint)]
        if any(tuple(c.columns.keys()) == key for c in unique):
            return table
    raise LookupError(type(record).__name__)


def _field_names(record: Record) -> list[str]:
    return [f.name for f in dataclasses.fields(record)]


def _value(name: str, value: Any) -> Any:
    if name in _PAIRS:
        return json.dumps({str(k): v for k, v in value})
    if isinstance(value, tuple):
        return json.dumps([dataclasses.asdict(v) if dataclasses.is_dataclass(v) else v
                           for v in value])
    return value


def build_rows(
    records: Iterable[Record], stamp: Any
) -> dict[sa.Table, tuple[list[str], list[tuple[Any, ...]]]]:
    """Per register table: its written columns and one row per record."""
    tables: dict[type[Record], sa.Table] = {}
    out: dict[sa.Table, tuple[list[str], list[tuple[Any, ...]]]] = {}
    for record in records:
        kind = type(record)
        if kind not in tables:
            tables[kind] = _table_of(record)
            email = ["email_normalised"] if kind is UserRecord else []
            out[tables[kind]] = (["connector", *_field_names(record), *email, *_BOOKKEEPING], [])
        names = _field_names(record)
        values = ["moodle", *(_value(n, getattr(record, n)) for n in names)]
        if kind is UserRecord:
            values.append((record.email or "").strip().lower() or None)  # type: ignore[attr-defined]
        key = "/".join(str(k) for k in record.key)
        values += [record.hash, 1, "lms_sync", f"moodle:{kind.__name__}:{key}", stamp, stamp, None]
        out[tables[kind]][1].append(tuple(values))
    return out


def measure(database_url: str, records: list[Record]) -> tuple[int, float]:
    """(rows, seconds) of writing one row per record into bare tables; the tables are
    dropped afterwards."""
    engine = make_engine(database_url)
    postgres = engine.dialect.name == "postgresql"
    now = datetime.now(UTC)
    stamp = now if postgres else now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = build_rows(records, stamp)
    metadata = sa.MetaData()
    bare = {
        table: sa.Table(f"limit_{table.name}", metadata,
                        *(sa.Column(name, table.c[name].type) for name in columns))
        for table, (columns, _) in rows.items()
    }
    metadata.drop_all(engine)
    metadata.create_all(engine)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        if postgres:
            for table, (columns, values) in rows.items():
                names = ", ".join(f'"{c}"' for c in columns)
                with cursor.copy(f'COPY "{bare[table].name}" ({names}) FROM STDIN') as copy:
                    for row in values:
                        copy.write_row(row)
            raw.commit()
        else:
            cursor.execute("BEGIN")
            for table, (columns, values) in rows.items():
                names = ", ".join(f'"{c}"' for c in columns)
                marks = ", ".join("?" * len(columns))
                cursor.executemany(
                    f'INSERT INTO "{bare[table].name}" ({names}) VALUES ({marks})', values
                )
            cursor.execute("COMMIT")
        elapsed = time.perf_counter() - started
        cursor.close()
    finally:
        raw.close()
    metadata.drop_all(engine)
    engine.dispose()
    return sum(len(values) for _, values in rows.values()), elapsed
