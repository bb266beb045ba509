"""The register's SQLite connections keep few prepared statements.

A sync's bulk key lookup is one statement per batch whose text grows with the batch
(``IN (VALUES (?, ?), …)``, thousands of keys), so nearly every batch size is a new
statement, and SQLite holds the compiled program of each one its connection caches. With
the ``sqlite3`` module's default of 128 a full sync of a large site kept ~60 MB more of
them than one of a small site; the register caches :data:`SQLITE_CACHED_STATEMENTS`."""

from __future__ import annotations

import _sqlite3
import ctypes
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.registry.bulk import read_hashes
from bridge.registry.db import SQLITE_CACHED_STATEMENTS, make_engine

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
            one = _sqlite_memory() - before  # one prepared lookup, kept in the cache
            for extra in range(1, 61):  # 60 more batch sizes: 60 more statements
                list(read_hashes(connection, table, ("k1", "k2"), "m", _keys(2000 + extra)))
            kept = _sqlite_memory() - before
    finally:
        engine.dispose()
    assert one > 100_000  # a lookup of 2,000 keys is a large program
    assert kept < (SQLITE_CACHED_STATEMENTS + 8) * one
