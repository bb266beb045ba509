"""Engines and sessions for the register, with the same behaviour on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bridge.errors import DatabaseNotReady
from bridge.files import PRIVATE_MODE, create_empty_private, open_bits

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (or none)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername != "postgresql+psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def redacted_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite register (None for PostgreSQL, memory and ``file:`` URIs)."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return None if database.startswith("file:") else Path(database)


def make_engine(url: str, *, create: bool = True, **kwargs: Any) -> sa.Engine:
    """An engine on the register; with ``create=False`` a SQLite file that does not exist
    is an error, never a new empty register (only ``db upgrade`` and ``init`` create one)."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = sqlite_file(url)
        if database is not None and not create:
            url = _existing_sqlite_file(str(database))
        elif database is not None:
            # SQLite would create the file with the umask's mode (0644): every local account
            # could read every person. Created 0600 first, SQLite keeps that mode and gives
            # it to the -wal and -shm files too; _private_companions makes sure of the latter.
            database.parent.mkdir(parents=True, exist_ok=True)
            create_empty_private(database)
        engine = sa.create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        if database is not None:
            sa.event.listen(engine, "connect", _private_companions(database))
        sa.event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    # psycopg prepares a statement after 5 runs and may keep a plan made while a table was
    # still empty; key lookups then degrade as the register fills. Plan every statement.
    return sa.create_engine(
        url, pool_pre_ping=True, connect_args={"prepare_threshold": None}, **kwargs
    )


def _existing_sqlite_file(database: str) -> str:
    """A URL that opens ``database`` read-write without creating it (SQLite's ``mode=rw``),
    or a clear refusal when there is no file to open."""
    if database.startswith("file:"):
        return f"sqlite:///{database}"
    path = Path(database).absolute()
    if not path.is_file():
        raise DatabaseNotReady(f"no register at {path}: run `bridge db upgrade`")
    return f"sqlite:///file:{path.as_posix()}?mode=rw&uri=true"


_WAL_CHECKPOINT_BYTES = 64 * 1024 * 1024


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy own transactions (BEGIN is emitted by _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Erased rows are overwritten with zeros instead of lingering in free pages, where a
    # copy of the file would still show them (erasure also checkpoints the WAL).
    cursor.execute("PRAGMA secure_delete=ON")
    # A checkpoint (with its fsync) per 64 MiB of changes rather than SQLite's 4 MiB: a
    # sync commits one batch at a time, and at the default every few batches paid for one.
    # After a checkpoint the WAL file is cut back to that size.
    cursor.execute(f"PRAGMA wal_autocheckpoint={_WAL_CHECKPOINT_BYTES // 4096}")
    cursor.execute(f"PRAGMA journal_size_limit={_WAL_CHECKPOINT_BYTES}")
    cursor.close()


def sqlite_companions(database: Path) -> tuple[Path, Path]:
    """The -wal and -shm files SQLite keeps beside a register in WAL mode."""
    return database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")


def _private_companions(database: Path) -> Callable[[Any, Any], None]:
    """After connecting: a -wal or -shm file wider open than a private register is
    narrowed to 0600 (SQLite copies the register's mode on most builds, not all)."""

    def narrow(_dbapi_connection: Any, _record: Any) -> None:
        try:
            if open_bits(database.stat().st_mode):
                return  # the register itself is open: `bridge check` says so
        except OSError:
            return
        for companion in sqlite_companions(database):
            with suppress(FileNotFoundError, PermissionError):
                if open_bits(companion.stat().st_mode):
                    companion.chmod(PRIVATE_MODE)

    return narrow


def _sqlite_begin_immediate(connection: sa.Connection) -> None:
    """Take SQLite's write lock at BEGIN, so two writers queue instead of deadlocking."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed on success, rolled back on any error."""
    with factory() as session, session.begin():
        yield session
