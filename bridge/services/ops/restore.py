"""`bridge db restore`: the register as a backup left it, with every erasure and
withdrawal made since done again before anything else can run (CONTRACTS 6).

Nothing else may work on the register meanwhile: the restore refuses (exit 3) while any
lease is held (the SQLite daemon's ``daemon`` lease, a sync's ``sync:<connector>``, a
daemon job's), then holds ``restore``, ``daemon`` and every connector's sync lease itself
until it is done, so no daemon or sync starts in between.

On SQLite the backup is first copied (online backup API) to a staging file beside the
register that nobody else knows of; the journal is re-applied and the restore audited
there; then the staged register is copied into the live file with the same API, which
takes SQLite's own lock and replaces the content at once for every connection (never
by renaming files under a running process, which would leave it writing to the old
file). On PostgreSQL ``pg_restore --clean --single-transaction`` replaces the database,
and the re-application runs in the next transaction, which first puts the restore's
leases back (the dump's lease rows are the backup's).

A command that takes no lease (``subject erase``, ``consent withdraw``) may still commit
to the register the restore is about to replace; its journal line is there all the same,
so the restore reads the journal again at the end and re-applies what came meanwhile.

Re-applying (:mod:`bridge.services.ops.reapply`) erases and withdraws again through the
ordinary services, so suppression, receipts, audit rows and pushes are as the first time
(a push Moodle already applied answers ``already_applied``). The restore's own audit row
names the backup, its time and head, the anchor it replaces and the counts; the anchor
is then set to the new head, and ``bridge audit verify`` explains the gap from that row.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import utcnow
from bridge.errors import LeaseHeld, OperationFailed, UsageError
from bridge.services import audit
from bridge.services.audit import Actor, chain
from bridge.services.audit.anchor import Anchor, anchor_path, read_anchor, reset_anchor
from bridge.services.audit.journal import Entry, entries_after, journal_path, position
from bridge.services.audit.verify import RESTORE_ACTION
from bridge.services.leases import (
    acquire_or_take_over,
    current_lease,
    dead_local_holder,
    holder_name,
    release,
)
from bridge.services.ops.backup import Manifest, engine_of, read_manifest, run_tool, tool
from bridge.services.ops.reapply import reapply
from bridge.settings import Settings
from bridge.store.db import make_engine, session_factory, sqlite_file
from bridge.store.models import AuditEntry, SyncLease
from bridge.store.schema import upgrade


@dataclass
class Restored:
    """What ``bridge db restore`` reports."""

    backup: str
    taken_at: str
    backup_head_seq: int
    anchor_before: Anchor | None
    head: Anchor | None = None
    reapplied: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "backup": self.backup,
            "taken_at": self.taken_at,
            "backup_head_seq": self.backup_head_seq,
            "anchor_before": self.anchor_before.as_dict() if self.anchor_before else None,
            "head": self.head.as_dict() if self.head else None,
            "reapplied": self.reapplied,
        }


def restore(
    settings: Settings, sessions: sessionmaker[Session], actor: Actor, backup_file: Path
) -> Restored:
    """Replace the register with ``backup_file`` and re-apply the journal since it."""
    manifest = read_manifest(backup_file)
    engine = engine_of(sessions)
    if manifest.dialect != engine.dialect.name:
        raise UsageError(
            f"{backup_file} is a {manifest.dialect} backup; the register is {engine.dialect.name}"
        )
    if manifest.dialect == "postgresql":
        tool("pg_restore")
    secret = settings.register.secret_file
    written = position(journal_path(secret))
    if written < manifest.journal_lines:
        raise OperationFailed(
            f"the erasure journal {journal_path(secret)} holds {written} line(s), but held "
            f"{manifest.journal_lines} when the backup was taken: it was replaced or cut, so "
            "the erasures made since cannot be re-applied; put the journal back first"
        )
    anchor_file = anchor_path(secret)
    stage = _Stage(settings, actor, backup_file, manifest, manifest.journal_lines)
    with _exclusive(sessions, settings, actor) as leases:
        stage.leases = leases
        stage.anchor_before = read_anchor(anchor_file)
        if manifest.dialect == "sqlite":
            result = _restore_sqlite(engine, backup_file, stage)
        else:
            engine.dispose()
            run_tool(
                "pg_restore",
                ["--clean", "--if-exists", "--single-transaction", "--no-owner", str(backup_file)],
                engine.url,
            )
            engine.dispose()
            upgrade(engine)
            result = stage.finish(sessions)
        stage.catch_up(sessions, result)
    if result.head is not None:
        reset_anchor(anchor_file, result.head)
    return result


@dataclass
class _Stage:
    settings: Settings
    actor: Actor
    backup_file: Path
    manifest: Manifest
    journal_from: int  # the journal lines up to here are in the register or re-applied
    anchor_before: Anchor | None = None
    leases: list[tuple[str, str]] = field(default_factory=list)

    def _entries(self) -> list[Entry]:
        entries = entries_after(journal_path(self.settings.register.secret_file), self.journal_from)
        if entries:
            self.journal_from = entries[-1].line
        return entries

    def finish(self, sessions: sessionmaker[Session]) -> Restored:
        """In one transaction on the restored register: the restore's leases instead of the
        backup's, the journal re-applied, the restore audited; the anchor left alone."""
        entries = self._entries()
        with sessions() as session, session.begin():
            _own_leases(session, self.leases, self.settings.daemon.lease_ttl)
            chain.hold_anchor(session)
            head_seq = session.scalar(sa.select(sa.func.max(AuditEntry.seq))) or 0
            result = Restored(
                str(self.backup_file), self.manifest.taken_at, head_seq, self.anchor_before
            )
            result.reapplied = reapply(
                session, self.settings, self.actor, entries, self.manifest.taken_at
            )
            audit.record(session, self.actor, RESTORE_ACTION, details=_details(result))
        result.head = _head(sessions)
        return result

    def catch_up(self, sessions: sessionmaker[Session], result: Restored) -> None:
        """Re-apply what was journalled while the restore ran (a command that takes no
        lease, such as ``subject erase``, committing to the register the restore then
        replaced), on the live register, until the journal holds nothing new. Lines the
        restore's own re-applications wrote find their persons erased already."""
        while entries := self._entries():
            with sessions() as session, session.begin():
                chain.hold_anchor(session)
                late = reapply(session, self.settings, self.actor, entries, result.taken_at)
                for kind in ("erasures", "withdrawals"):
                    result.reapplied[kind] += late[kind]
                if late["erasures"] or late["withdrawals"]:
                    audit.record(session, self.actor, RESTORE_ACTION + " catch-up", details=late)
            result.head = _head(sessions)


def _head(sessions: sessionmaker[Session]) -> Anchor | None:
    with sessions() as session:
        row = session.execute(
            sa.select(AuditEntry.seq, AuditEntry.mac).order_by(AuditEntry.seq.desc()).limit(1)
        ).first()
    return Anchor(row.seq, row.mac) if row is not None and row.mac else None


def _details(result: Restored) -> dict[str, Any]:
    return {
        "backup": {"file": result.backup, "taken_at": result.taken_at},
        "backup_head_seq": result.backup_head_seq,
        "anchor_before": result.anchor_before.as_dict() if result.anchor_before else None,
        "reapplied": result.reapplied,
    }


def _restore_sqlite(engine: sa.Engine, backup_file: Path, stage: _Stage) -> Restored:
    live = sqlite_file(stage.settings.database.url)
    assert live is not None
    fd, name = tempfile.mkstemp(prefix=f".{live.name}.restore.", dir=live.parent)  # 0600
    os.close(fd)
    staged = Path(name)
    try:
        _copy(sqlite3.connect(backup_file), sqlite3.connect(staged))
        staged_engine = make_engine(f"sqlite:///{staged}", create=False)
        chain.bind_register_secret(staged_engine, stage.settings.register.secret_file)
        try:
            upgrade(staged_engine)  # a backup of an older version joins this one's schema
            result = stage.finish(session_factory(staged_engine))
        finally:
            staged_engine.dispose()
        raw = engine.raw_connection()
        try:
            target = raw.driver_connection
            assert isinstance(target, sqlite3.Connection)
            _copy(sqlite3.connect(staged), target, close_target=False)
        finally:
            raw.close()
        engine.dispose()
        return result
    finally:
        for companion in (staged, *(staged.with_name(staged.name + s) for s in ("-wal", "-shm"))):
            companion.unlink(missing_ok=True)


def _copy(
    source: sqlite3.Connection, target: sqlite3.Connection, *, close_target: bool = True
) -> None:
    try:
        source.backup(target)
    finally:
        source.close()
        if close_target:
            target.close()


@contextmanager
def _exclusive(
    sessions: sessionmaker[Session], settings: Settings, actor: Actor
) -> Iterator[list[tuple[str, str]]]:
    """Refuse while anyone holds a lease; then hold the leases that keep daemons and syncs
    out until the restore is done. Yields the (name, holder) pairs held."""
    with sessions() as session:
        names = list(session.scalars(sa.select(SyncLease.name).order_by(SyncLease.name)))
        held = [lease for lease in (current_lease(session, n) for n in names) if lease]
    busy = [lease for lease in held if not dead_local_holder(lease.holder)]
    if busy:
        raise LeaseHeld(
            "the register is in use, so it cannot be restored now: "
            + "; ".join(
                f"{b.name} is held by {b.holder} until {b.expires_at:%Y-%m-%d %H:%M:%S}Z"
                for b in busy
            )
            + " (stop the daemon and wait for syncs to finish)"
        )
    holder = holder_name(actor.name)
    wanted = ["restore", "daemon", *(f"sync:{name}" for name in settings.connectors)]
    taken: list[tuple[str, str]] = []
    try:
        for name in wanted:
            other = acquire_or_take_over(sessions, name, holder, settings.daemon.lease_ttl)
            if other is not None:
                raise LeaseHeld(
                    f"{name} was taken by {other.holder} just now: the register is in use, "
                    "so it cannot be restored now"
                )
            taken.append((name, holder))
        yield taken
    finally:
        for name, who in taken:
            release(sessions, name, who)


def _own_leases(session: Session, leases: list[tuple[str, str]], ttl: timedelta) -> None:
    """The restored register's lease rows are the backup's; the restore's replace them."""
    session.execute(sa.delete(SyncLease))
    now = utcnow()
    for name, holder in leases:
        session.add(
            SyncLease(
                name=name, holder=holder, acquired_at=now, heartbeat_at=now, expires_at=now + ttl
            )
        )
    session.flush()
