"""Deleted register content does not linger in the SQLite file: the register's connections
run with ``secure_delete``, so a copy of the file taken after an erasure (and its WAL
checkpoint) does not show the erased values in free space."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bridge.store.db import make_engine

MARK = "Qworpenheimo-secure-delete"


def _build_default_off(dbapi_connection: Any, _record: Any) -> None:
    """Act as a SQLite built without SQLITE_SECURE_DELETE (Debian's has it on)."""
    dbapi_connection.execute("PRAGMA secure_delete=OFF")


def test_deleted_rows_are_overwritten_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "register.db"
    engine = make_engine(f"sqlite:///{path}")
    sa.event.listen(engine, "connect", _build_default_off, insert=True)  # runs first
    try:
        with engine.begin() as connection:
            assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
            connection.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
            for n in range(50):
                connection.execute(sa.text("INSERT INTO notes (text) VALUES (:t)"),
                                   {"t": f"{MARK} {n} " + "x" * 200})
        with engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM notes WHERE id % 2 = 0")
            connection.exec_driver_sql("UPDATE notes SET text = 'kept'")
        raw = engine.raw_connection()  # a checkpoint cannot run inside BEGIN IMMEDIATE
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    finally:
        engine.dispose()
    stored = b"".join(f.read_bytes() for f in tmp_path.glob("register.db*"))
    assert stored.count(MARK.encode()) == 0
