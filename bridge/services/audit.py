"""Operators, roles and the audit trail (N12, CONTRACTS 9).

Who acts: ``--operator``, ``BRIDGE_OPERATOR`` or the OS user; a name not listed in
``[operators]`` is a ``viewer``. Daemon jobs act as ``system:daemon``.

The audit log is append-only and tamper-evident: every row stores the hash of the
previous row, and ``verify_chain`` recomputes the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.errors import NotPermitted
from bridge.registry.base import utcnow
from bridge.registry.models import AuditEntry
from bridge.settings import Settings

DAEMON = "system:daemon"
GENESIS = "0" * 64

#: What each role may do. Permissions name command categories.
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"status"}),
    "operator": frozenset({"status", "sync", "push", "quarantine"}),
    "dpo": frozenset(
        {"status", "register", "subject", "requests", "holds", "marketing", "audit", "push"}
    ),
    "admin": frozenset(
        {
            "status",
            "sync",
            "push",
            "quarantine",
            "register",
            "subject",
            "requests",
            "holds",
            "marketing",
            "audit",
            "retention",
            "config",
        }
    ),
}


@dataclass(frozen=True)
class Actor:
    name: str
    role: str

    def may(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


def resolve_actor(settings: Settings, name: str) -> Actor:
    if name == DAEMON:
        return Actor(DAEMON, settings.daemon.role)
    return Actor(name, settings.operators.get(name, "viewer"))


def _digest(prev_hash: str, entry: dict[str, Any]) -> str:
    canonical = json.dumps(entry, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _content(
    at: datetime,
    actor: Actor,
    action: str,
    outcome: str,
    person_id: int | None,
    request_id: int | None,
    details: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "at": at.isoformat(),
        "operator": actor.name,
        "role": actor.role,
        "action": action,
        "outcome": outcome,
        "person_id": person_id,
        "request_id": request_id,
        "details": details,
    }


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    person_id: int | None = None,
    request_id: int | None = None,
    details: dict[str, Any] | None = None,
    outcome: str = "ok",
) -> AuditEntry:
    """Append one audit row in the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders so the chain never forks (SQLite's BEGIN IMMEDIATE does this).
        session.execute(sa.text("SELECT pg_advisory_xact_lock(7351)"))
    prev = session.scalar(sa.select(AuditEntry.row_hash).order_by(AuditEntry.id.desc()).limit(1))
    prev_hash = prev or GENESIS
    at = utcnow()
    content = _content(at, actor, action, outcome, person_id, request_id, details)
    entry = AuditEntry(
        at=at,
        operator=actor.name,
        role=actor.role,
        action=action,
        outcome=outcome,
        person_id=person_id,
        request_id=request_id,
        details=details,
        prev_hash=prev_hash,
        row_hash=_digest(prev_hash, content),
    )
    session.add(entry)
    session.flush()
    return entry


def authorise(sessions: sessionmaker[Session], actor: Actor, permission: str, action: str) -> None:
    """Refuse with exit 4 when the role lacks ``permission``; the attempt is audited."""
    if actor.may(permission):
        return
    with sessions() as session, session.begin():
        record(session, actor, action, outcome="denied", details={"needs": permission})
    raise NotPermitted(
        f"operator {actor.name!r} (role {actor.role}) may not {action}: it needs a role with "
        f"'{permission}' permission (roles are set in [operators] of the configuration)"
    )


def verify_chain(session: Session) -> tuple[int, int | None]:
    """Recompute the chain; returns (rows checked, id of the first bad row or None)."""
    prev_hash = GENESIS
    checked = 0
    for entry in session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
        content = _content(
            entry.at,
            Actor(entry.operator, entry.role),
            entry.action,
            entry.outcome,
            entry.person_id,
            entry.request_id,
            entry.details,
        )
        if entry.prev_hash != prev_hash or entry.row_hash != _digest(prev_hash, content):
            return checked, entry.id
        prev_hash = entry.row_hash
        checked += 1
    return checked, None


def list_entries(
    session: Session,
    *,
    person_id: int | None = None,
    since: datetime | None = None,
    limit: int = 1000,
) -> list[AuditEntry]:
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if person_id is not None:
        query = query.where(AuditEntry.person_id == person_id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    return list(session.scalars(query))
