"""A sync's key lookups do not pile up prepared statements in SQLite.

A lookup whose text grew with its batch (``IN (VALUES (?, ?), …)``, thousands of keys)
was a new statement for nearly every batch, and the ``sqlite3`` module keeps the last 128
it prepared: a full sync of a large site held ~60 MB more of them than one of a small
site. The lookup's text is now the same whatever the batch (one JSON parameter), so one
prepared copy serves them all."""

from __future__ import annotations

import _sqlite3
import ctypes
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.store.bulk import read_hashes
from bridge.store.db import make_engine

_LIBRARY = ctypes.CDLL(_sqlite3.__file__)
_LIBRARY.sqlite3_memory_used.restype = ctypes.c_int64


def _sqlite_memory() -> int:
    """Bytes SQLite has allocated in this process (its own accounting)."""
    return int(_LIBRARY.sqlite3_memory_used())


def _keys(count: int) -> list[tuple[int, int]]:
    return [(n % 97, n) for n in range(count)]


def test_lookups_of_many_batch_sizes_keep_few_statements_prepared(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'register.sqlite3'}")
    table = sa.Table("lookups", sa.MetaData(), sa.Column("k1"), sa.Column("k2"))
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "CREATE TABLE lookups (connector TEXT, k1 INTEGER, k2 INTEGER, "
                "content_hash TEXT, removed_in_lms_at TEXT, PRIMARY KEY (connector, k1, k2))"
            )
            before = _sqlite_memory()
            if not before:
                pytest.skip("this SQLite build keeps no memory statistics")
            assert list(read_hashes(connection, table, ("k1", "k2"), "m", _keys(2000))) == []
            one = _sqlite_memory()  # one lookup prepared and kept in the cache
            for extra in range(1, 61):  # 60 more batch sizes
                list(read_hashes(connection, table, ("k1", "k2"), "m", _keys(2000 + extra)))
            grown = _sqlite_memory() - one
    finally:
        engine.dispose()
    # a statement per batch size held ~250 bytes per key: 60 × 2,000 × 250 ≈ 30 MB
    assert grown < 1_000_000
