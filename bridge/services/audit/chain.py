"""The keyed audit chain: sequence numbers, MACs and the key that makes them (CONTRACTS 9).

Each audit row carries a consecutive ``seq`` and ``mac = HMAC-SHA256(register secret,
seq ‖ previous MAC ‖ canonical row content)``. Without the secret, which never enters
the database, nobody can append, change or recompute a row that verifies.

How the key reaches ``record()``: the twenty-odd callers pass a session, not settings,
and should not change. The key belongs to the register, and a session knows its engine,
so the secret *file* is bound to the engine once, where the engine is built from the
settings (``bind_register_secret``, called by the CLI's ``App``). The file is read on
the first append and cached until it changes. Scripts and tests that build engines of
their own can bind a process default with ``default_register_secret``. An engine with
neither has no key, and appending refuses rather than writing a row nobody can verify.

The head is also written to the anchor file (``audit.anchor``) after the transaction
commits, never before and never on rollback: ``before_commit`` reads the committed
head while the append lock is still held, ``after_commit`` moves the anchor.

Rows written before migration 0002 keep ``mac`` NULL and their unkeyed SHA-256 chain
(``prev_hash``/``row_hash``); they form a legacy prefix, and the first keyed row chains
onto the legacy head's ``row_hash``, which binds the prefix to the keyed chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from bridge.errors import OperationFailed
from bridge.services.audit.anchor import Anchor, advance_anchor, anchor_path
from bridge.services.secrets import read_register_secret
from bridge.store.models import AuditEntry

log = logging.getLogger("bridge.audit")

GENESIS = "0" * 64
#: Any fixed number shared by every appender; serialises appends on PostgreSQL.
APPEND_LOCK = 7351

_bound: WeakKeyDictionary[sa.Engine, Path] = WeakKeyDictionary()
_default: list[Path] = []
_PENDING = "audit_chain.pending"
_LISTENING = "audit_chain.listening"
_HELD = "audit_chain.anchor_held"


# ------------------------------------------------------------------------------ the key


def bind_register_secret(engine: sa.Engine, secret_file: Path) -> None:
    """Sign the audit rows written through ``engine`` with the secret in ``secret_file``."""
    _bound[engine] = secret_file


@contextmanager
def default_register_secret(secret_file: Path) -> Iterator[None]:
    """Use ``secret_file`` for engines nobody bound (scripts, tests), for a while."""
    _default.append(secret_file)
    try:
        yield
    finally:
        _default.remove(secret_file)


def secret_file_of(session: Session) -> Path:
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    found = _bound.get(engine) or (_default[-1] if _default else None)
    if found is None:
        raise OperationFailed(
            "no register secret is bound to this database engine, so audit rows cannot be "
            "signed: build the engine through the bridge's App or bind_register_secret()"
        )
    return found


def audit_key(secret_file: Path) -> bytes:
    try:
        stat = secret_file.stat()
    except FileNotFoundError:
        raise OperationFailed(
            f"register secret {secret_file} is missing: run `bridge db upgrade`"
        ) from None
    return _cached_key(secret_file, stat.st_ino, stat.st_mtime_ns)


@lru_cache(maxsize=16)
def _cached_key(secret_file: Path, _inode: int, _mtime_ns: int) -> bytes:
    return read_register_secret(secret_file)


# ------------------------------------------------------------------------ row content


def canonical(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)


def legacy_content(entry: AuditEntry) -> dict[str, Any]:
    """What the unkeyed chain before migration 0002 covered (no uid, no host)."""
    return {
        "at": entry.at.isoformat(),
        "operator": entry.operator,
        "role": entry.role,
        "action": entry.action,
        "outcome": entry.outcome,
        "person_id": entry.person_id,
        "request_id": entry.request_id,
        "details": entry.details,
    }


def row_content(entry: AuditEntry) -> dict[str, Any]:
    return {**legacy_content(entry), "uid": entry.uid, "host": entry.host}


def legacy_digest(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + canonical(legacy_content(entry))).encode()).hexdigest()


def row_mac(key: bytes, seq: int, prev_mac: str, entry: AuditEntry) -> str:
    message = f"{seq}|{prev_mac}|{canonical(row_content(entry))}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def link_of(entry: AuditEntry) -> str:
    """What the next row chains onto: the MAC, or a legacy row's unkeyed hash."""
    return entry.mac or entry.row_hash or GENESIS


# ------------------------------------------------------------------------- appending


def append(session: Session, entry: AuditEntry) -> AuditEntry:
    """Give ``entry`` its place in the chain and add it in the caller's transaction.

    Appenders are serialised for the rest of the transaction: on PostgreSQL by an
    advisory lock, on SQLite by the write lock ``BEGIN IMMEDIATE`` already holds.
    """
    secret_file = secret_file_of(session)
    key = audit_key(secret_file)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": APPEND_LOCK})
    previous = session.scalars(
        sa.select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    entry.seq = previous.seq + 1 if previous else 1
    entry.uid = os.getuid()
    entry.host = socket.gethostname()
    entry.mac = row_mac(key, entry.seq, link_of(previous) if previous else GENESIS, entry)
    session.add(entry)
    session.flush()
    before = Anchor(previous.seq, link_of(previous)) if previous else None
    _note_append(session, secret_file, entry.seq, before, previous is not None and previous.mac)
    return entry


@dataclass
class _Pending:
    """What one transaction appended, until it commits or rolls back."""

    anchor_file: Path
    first_seq: int
    before: Anchor | None
    keyed_before: bool  # keyed rows existed before this transaction appended
    head: Anchor | None = None


def _note_append(
    session: Session, secret_file: Path, seq: int, before: Anchor | None, keyed_before: object
) -> None:
    if _PENDING not in session.info:
        session.info[_PENDING] = _Pending(
            anchor_path(secret_file), seq, before, keyed_before=bool(keyed_before)
        )
    if not session.info.get(_LISTENING):
        event.listen(session, "before_commit", _capture_head)
        event.listen(session, "after_commit", _move_anchor)
        event.listen(session, "after_soft_rollback", _forget)
        session.info[_LISTENING] = True


def _capture_head(session: Session) -> None:
    """Read the head that is about to commit, while this transaction still holds the lock."""
    pending: _Pending | None = session.info.get(_PENDING)
    if pending is None:
        return
    session.flush()
    row = session.execute(
        sa.select(AuditEntry.seq, AuditEntry.mac).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    pending.head = Anchor(row.seq, row.mac) if row is not None and row.mac else None


def hold_anchor(session: Session) -> None:
    """Commits of ``session`` leave the anchor alone: a restore, whose chain forks from
    the anchored one by design, records the old anchor in its audit row and sets the new
    one itself (:func:`bridge.services.audit.anchor.reset_anchor`)."""
    session.info[_HELD] = True


def _move_anchor(session: Session) -> None:
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending is None or pending.head is None or session.info.get(_HELD):
        return
    try:
        advance_anchor(
            pending.anchor_file,
            pending.head,
            pending.first_seq,
            pending.before,
            keyed_before=pending.keyed_before,
        )
    except OSError as exc:
        # The rows are committed; a stale anchor only weakens the next verify, so say it
        # loudly instead of failing a command whose work is already done.
        log.error("audit anchor %s not updated: %s", pending.anchor_file, exc)


def _forget(session: Session, _previous_transaction: Any) -> None:
    session.info.pop(_PENDING, None)
