"""Bulk key lookups and upserts on plain tuples, in each database's fastest shape.

The sync writes about a hundred thousand rows per ten thousand learners; going through
SQLAlchemy's per-row parameter handling costs more than the database does. These
functions take rows already converted to the driver's values and hand them over in bulk:

- **lookups** read ``(key…, content_hash, removed)`` for a whole batch in one statement
  of fixed text that probes the unique index once per key: PostgreSQL gets one array
  parameter per key column (``unnest``), SQLite one JSON array (``json_each``);
- **new rows** (keys the lookup did not find) go in as they are built: a ``COPY`` into
  the table on PostgreSQL, one ``executemany`` of a plain ``INSERT`` on SQLite;
- **changed rows** are upserted: on SQLite one ``executemany`` of ``INSERT … ON CONFLICT
  DO UPDATE``; on PostgreSQL they are ``COPY``'d into a temporary staging table and moved
  by one set-based ``INSERT … SELECT … ON CONFLICT DO UPDATE``.

Both upserts update a row only when its content hash differs or it was marked removed,
so the database itself keeps CONTRACTS 1's "a no-change sync writes nothing" even if a
caller sends an unchanged row. :class:`~bridge.store.write_counter.WriteCounter` sees
every data-table write: statements through SQLAlchemy's cursor events, COPYs through
:func:`~bridge.store.write_counter.note_copied`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import sqlalchemy as sa

from bridge.store.write_counter import note_copied


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def read_hashes(
    connection: sa.Connection,
    table: sa.Table,
    key_columns: Sequence[str],
    connector: str,
    keys: Sequence[tuple[Any, ...]],
) -> Iterator[tuple[Any, ...]]:
    """``(key…, content_hash, removed)`` of the stored rows among ``keys``."""
    if not keys:
        return
    if connection.dialect.name == "postgresql":
        sql, params = _postgres_lookup(table, key_columns, connector, keys)
        yield from connection.exec_driver_sql(sql, params)
        return
    # One JSON parameter for the whole batch: the statement's text does not grow with the
    # batch (so SQLite keeps one prepared copy), and CROSS JOIN makes SQLite walk the keys
    # and probe the unique index for each, where a row-value IN list scanned every row of
    # the connector.
    matched = " AND ".join(
        f"t.\"{c}\" = json_extract(k.value, '$[{i}]')" for i, c in enumerate(key_columns)
    )
    selected = ", ".join(
        [*(f't."{c}"' for c in key_columns), "t.content_hash", "t.removed_in_lms_at IS NOT NULL"]
    )
    sql = (f'SELECT {selected} FROM json_each(?) AS k CROSS JOIN "{table.name}" AS t '
           f"ON t.connector = ? AND {matched}")
    yield from connection.exec_driver_sql(sql, (json.dumps(keys), connector))  # tuples as arrays


def bigint_array(values: Iterable[int]) -> str:
    """A PostgreSQL ``bigint[]`` parameter as its text form (cast with ``::bigint[]``):
    the server parses it faster than the driver adapts a long list."""
    return "{" + ",".join(map(str, values)) + "}"


def _postgres_lookup(
    table: sa.Table, key_columns: Sequence[str], connector: str, keys: Sequence[tuple[Any, ...]]
) -> tuple[str, tuple[Any, ...]]:
    """One array per key column (the statement and its plan do not grow with the batch),
    probed one key at a time through the unique index: the ``LIMIT 1``
    keeps the planner from hashing the whole table, which it does for a table that grew
    since it was last analysed (every table, during a first full sync)."""
    arrays = ", ".join("%s::bigint[]" for _ in key_columns)
    names = ", ".join(f"k{i}" for i in range(len(key_columns)))
    matched = " AND ".join(f't."{c}" = k.k{i}' for i, c in enumerate(key_columns))
    sql = (f"SELECT {names}, x.content_hash, x.removed FROM unnest({arrays}) AS k({names}) "
           f"CROSS JOIN LATERAL (SELECT t.content_hash, t.removed_in_lms_at IS NOT NULL "
           f'AS removed FROM "{table.name}" AS t WHERE t.connector = %s AND {matched} '
           f"LIMIT 1) AS x")
    columns = [bigint_array(column) for column in zip(*keys, strict=True)]
    return sql, (*columns, connector)


def _conflict_clause(
    table: sa.Table, key_columns: Sequence[str], update_columns: Sequence[str]
) -> str:
    target = _names(["connector", *key_columns])
    assignments = ", ".join(f'"{c}" = excluded."{c}"' for c in update_columns)
    return (
        f"ON CONFLICT ({target}) DO UPDATE SET {assignments} "
        f'WHERE "{table.name}".content_hash IS DISTINCT FROM excluded.content_hash '
        f'OR "{table.name}".removed_in_lms_at IS NOT NULL'
    )


class RowSink(Protocol):
    """Takes rows one at a time (see :func:`new_rows`)."""

    count: int

    def append(self, row: tuple[Any, ...]) -> None: ...


class _CopySink:
    def __init__(self, copy: Any) -> None:
        self.copy, self.count = copy, 0

    def append(self, row: tuple[Any, ...]) -> None:
        self.copy.write_row(row)
        self.count += 1


class _ListSink(list[tuple[Any, ...]]):
    @property
    def count(self) -> int:
        return len(self)


@contextmanager
def new_rows(
    connection: sa.Connection, table: sa.Table, columns: Sequence[str]
) -> Iterator[RowSink]:
    """Where rows of keys the caller found absent go, in ``columns`` order, as they are
    built: on PostgreSQL straight into a ``COPY`` of the table (the server inserts them
    while the next ones are built), on SQLite into one ``executemany`` of a plain
    ``INSERT`` when the block ends. A key stored meanwhile fails the batch's transaction
    rather than being overwritten: only the connector's sync, one at a time under its
    lease, writes these tables."""
    if connection.dialect.name == "postgresql":
        with _copying(connection, table.name, columns) as copy:
            sink = _CopySink(copy)
            yield sink
        note_copied(connection, table.name, sink.count)
        return
    rows = _ListSink()
    yield rows
    if rows:
        connection.exec_driver_sql(
            f'INSERT INTO "{table.name}" ({_names(columns)}) '
            f"VALUES ({', '.join('?' * len(columns))})",
            rows,
        )


@contextmanager
def _copying(connection: sa.Connection, table: str, columns: Sequence[str]) -> Iterator[Any]:
    """A ``COPY … FROM STDIN`` into ``table`` on the connection's own driver cursor."""
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(
        f'COPY "{table}" ({_names(columns)}) FROM STDIN'
    ) as copy:
        yield copy


def _copy(
    connection: sa.Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    with _copying(connection, table, columns) as copy:
        for row in rows:
            copy.write_row(row)


def upsert_rows(
    connection: sa.Connection,
    table: sa.Table,
    columns: Sequence[str],
    key_columns: Sequence[str],
    update_columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
) -> int:
    """Insert or update ``rows`` (values in ``columns`` order); returns the rows written."""
    if not rows:
        return 0
    conflict = _conflict_clause(table, key_columns, update_columns)
    if connection.dialect.name == "postgresql":
        return _staged_upsert(connection, table, columns, conflict, rows)
    conflict = conflict.replace("IS DISTINCT FROM", "IS NOT")  # SQLite's spelling
    sql = (f'INSERT INTO "{table.name}" ({_names(columns)}) '
           f"VALUES ({', '.join('?' * len(columns))}) {conflict}")
    result = connection.exec_driver_sql(sql, list(rows))
    return max(result.rowcount, 0)


def _staged_upsert(
    connection: sa.Connection,
    table: sa.Table,
    columns: Sequence[str],
    conflict: str,
    rows: Sequence[tuple[Any, ...]],
) -> int:
    """COPY into ``bridge_stage_<table>`` (temporary, emptied at commit), then one
    ``INSERT … SELECT``. The staging table has the data table's column types and no
    constraint or index, so COPY runs at the server's plain load speed."""
    stage = f"bridge_stage_{table.name}"
    names = _names(columns)
    connection.exec_driver_sql(
        f'CREATE TEMPORARY TABLE IF NOT EXISTS "{stage}" ON COMMIT DELETE ROWS AS '
        f'SELECT {names} FROM "{table.name}" WITH NO DATA'
    )
    connection.exec_driver_sql(f'DELETE FROM "{stage}"')  # an earlier batch of this transaction
    _copy(connection, stage, columns, rows)
    result = connection.exec_driver_sql(
        f'INSERT INTO "{table.name}" AS "{table.name}" ({names}) '
        f'SELECT {names} FROM "{stage}" {conflict}'
    )
    return max(result.rowcount, 0)
