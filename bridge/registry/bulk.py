"""Bulk key lookups and upserts on plain tuples, in each database's fastest shape.

The sync writes about a hundred thousand rows per ten thousand learners; going through
SQLAlchemy's per-row parameter handling costs more than the database does. These
functions take rows already converted to the driver's values and hand them over in bulk:

- **lookups** read ``(key…, content_hash, removed)`` for a whole batch in one statement:
  PostgreSQL gets one array parameter per key column (``= ANY`` / ``unnest``), SQLite an
  ``IN`` list (row values for composite keys), chunked below its variable limit;
- **upserts** on SQLite are one ``executemany`` of ``INSERT … ON CONFLICT DO UPDATE`` in
  the caller's transaction; on PostgreSQL the rows are ``COPY``'d into a temporary staging
  table and moved by one set-based ``INSERT … SELECT … ON CONFLICT DO UPDATE``.

Both upserts update a row only when its content hash differs or it was marked removed,
so the database itself keeps CONTRACTS 1's "a no-change sync writes nothing" even if a
caller sends an unchanged row. Statements that touch data tables go through
SQLAlchemy's connection, so :class:`~bridge.registry.write_counter.WriteCounter` sees
them (the COPY into the staging table is not a data-table write).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

#: Keys per SQLite lookup (two variables each at most; SQLite allows 32,766).
_SQLITE_CHUNK = 5_000


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
    selected = ", ".join(
        [*(f't."{c}"' for c in key_columns), "t.content_hash", "t.removed_in_lms_at IS NOT NULL"]
    )
    source = f'"{table.name}" AS t'
    if connection.dialect.name == "postgresql":
        # one array per key column: the statement and its plan do not grow with the batch
        arrays = ", ".join("%s::bigint[]" for _ in key_columns)
        names = ", ".join(f"k{i}" for i in range(len(key_columns)))
        joined = " AND ".join(f't."{c}" = k.k{i}' for i, c in enumerate(key_columns))
        sql = (f"SELECT {selected} FROM {source} JOIN unnest({arrays}) AS k({names}) "
               f"ON {joined} WHERE t.connector = %s")
        columns = [list(column) for column in zip(*keys, strict=True)]
        yield from connection.exec_driver_sql(sql, (*columns, connector))
        return
    for start in range(0, len(keys), _SQLITE_CHUNK):
        chunk = keys[start : start + _SQLITE_CHUNK]
        if len(key_columns) == 1:
            where = f't."{key_columns[0]}" IN ({", ".join("?" * len(chunk))})'
            params: list[Any] = [k[0] for k in chunk]
        else:
            one = f"({', '.join('?' * len(key_columns))})"
            keys_sql = ", ".join(f't."{c}"' for c in key_columns)
            where = f"({keys_sql}) IN (VALUES {', '.join([one] * len(chunk))})"
            params = [value for key in chunk for value in key]
        sql = f"SELECT {selected} FROM {source} WHERE t.connector = ? AND {where}"
        yield from connection.exec_driver_sql(sql, (connector, *params))


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
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{stage}"')  # an earlier batch of this transaction
        with cursor.copy(f'COPY "{stage}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    result = connection.exec_driver_sql(
        f'INSERT INTO "{table.name}" AS "{table.name}" ({names}) '
        f'SELECT {names} FROM "{stage}" {conflict}'
    )
    return max(result.rowcount, 0)
