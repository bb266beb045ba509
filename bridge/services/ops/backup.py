"""`bridge db backup`: a copy of the register taken while it runs, and what a restore needs
to know of it.

SQLite is copied with its online backup API (a consistent snapshot even while the daemon
writes), PostgreSQL with its own ``pg_dump`` in custom format (restored by
``pg_restore``). The copy holds every person, so it is created 0600 like every file the
bridge writes (:func:`bridge.files.private_path`), never through a link, complete or not
at all.

Beside the copy goes its manifest (``<file>.manifest.json``, 0600): when it was taken,
the database kind, the copy's SHA-256, and the erasure journal's position at that moment
(:mod:`bridge.services.audit.journal`). The position is read before the snapshot starts,
so an erasure that commits meanwhile is either in the copy or after the position: the
restore re-applies it, or finds it done already. The backup is audited (admin only); its
row is in the copy itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import asdict, dataclass
from glob import glob
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import utcnow
from bridge.errors import OperationFailed, UsageError
from bridge.files import check_writable, private_path, write_private
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.audit.journal import journal_path, position
from bridge.settings import Settings

MANIFEST_FORMAT = "bridge-backup/1"


@dataclass(frozen=True)
class Manifest:
    """What the restore needs to know of a backup."""

    format: str
    dialect: str
    taken_at: str
    journal_lines: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def manifest_path(backup_file: Path) -> Path:
    return backup_file.with_name(backup_file.name + ".manifest.json")


def read_manifest(backup_file: Path) -> Manifest:
    """The manifest beside ``backup_file``, checked against the file's content."""
    path = manifest_path(backup_file)
    if not backup_file.is_file():
        raise UsageError(f"no backup file at {backup_file}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        manifest = Manifest(**{k: data[k] for k in Manifest.__dataclass_fields__})
    except FileNotFoundError:
        raise UsageError(
            f"the backup's manifest {path} is missing: without it the restore cannot tell "
            "which erasures to re-apply (keep it beside the backup file)"
        ) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"the backup's manifest {path} is unreadable ({exc})") from None
    if manifest.format != MANIFEST_FORMAT:
        raise UsageError(f"{path}: unknown backup format {manifest.format!r}")
    if digest(backup_file) != manifest.sha256:
        raise UsageError(f"{backup_file} does not match its manifest (SHA-256 differs)")
    return manifest


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def engine_of(sessions: sessionmaker[Session]) -> sa.Engine:
    bind = sessions.kw["bind"]
    return bind if isinstance(bind, sa.Engine) else bind.engine


def backup(
    settings: Settings,
    sessions: sessionmaker[Session],
    actor: Actor,
    out: Path,
    *,
    replace: bool = False,
) -> Manifest:
    """Copy the register to ``out`` (0600) and write its manifest beside it."""
    check_writable(out, replace=replace)
    check_writable(manifest_path(out), replace=replace)
    engine = engine_of(sessions)
    dialect = engine.dialect.name
    if dialect == "postgresql":
        tool("pg_dump")  # refuse before anything is audited or written
    with sessions() as session, session.begin():
        audit.record(session, actor, "db backup", details={"file": str(out)})
    lines = position(journal_path(settings.register.secret_file))
    taken_at = utcnow().isoformat()
    with private_path(out, replace=replace) as temporary:
        if dialect == "sqlite":
            _sqlite_copy(engine, temporary)
        else:
            run_tool("pg_dump", ["--format=custom", f"--file={temporary}"], engine.url)
    manifest = Manifest(MANIFEST_FORMAT, dialect, taken_at, lines, digest(out))
    text = json.dumps(manifest.as_dict(), indent=2) + "\n"
    write_private(manifest_path(out), text.encode("utf-8"), replace=replace)
    return manifest


def _sqlite_copy(engine: sa.Engine, target: Path) -> None:
    """SQLite's online backup of the register into ``target`` (a consistent snapshot)."""
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        raw.close()


def tool(name: str) -> str:
    """The path of a PostgreSQL client program, or a refusal naming it."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version)
    if versions:
        return versions[-1]
    raise OperationFailed(
        f"{name} is not installed (not on PATH nor in /usr/lib/postgresql/*/bin): a "
        "PostgreSQL register is backed up and restored with PostgreSQL's own pg_dump and "
        "pg_restore; install the PostgreSQL client programs (e.g. apt install "
        "postgresql-client) of the server's version or newer"
    )


def _version(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


def run_tool(name: str, args: list[str], url: sa.URL) -> None:
    """Run ``pg_dump``/``pg_restore`` on the register's database; the password goes in the
    environment, never on a command line others can read in ``ps``."""
    target = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    result = subprocess.run(
        [tool(name), *args, f"--dbname={target}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise OperationFailed(
            f"{name} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}"
        )
