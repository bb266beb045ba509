"""Operators, roles and the audit trail (N12, CONTRACTS 9).

Who acts: ``--operator``, ``BRIDGE_OPERATOR`` or the OS user; a name not listed in
``[operators]`` is a ``viewer``. Daemon jobs act as ``system:daemon``.

The audit log is append-only and tamper-evident against changes and cuts: each row has a
consecutive sequence number and an HMAC keyed with the register secret, the head is kept
in an anchor file outside the database, and triggers refuse UPDATE and DELETE. The chain
itself lives in ``audit.chain`` (appending, the key) and ``audit.verify`` (the kinds of
breakage); this module keeps the callers' ``record`` and ``verify_chain``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.errors import NotPermitted
from bridge.registry.base import utcnow
from bridge.registry.models import AuditEntry
from bridge.services.audit import chain, verify
from bridge.settings import Settings

DAEMON = "system:daemon"

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
    """Append one audit row, signed and chained, in the caller's transaction.

    The row carries the acting identity, the OS uid and the host; the key comes from the
    register secret bound to the session's engine (see ``audit.chain``).
    """
    entry = AuditEntry(
        at=utcnow(),
        operator=actor.name,
        role=actor.role,
        action=action,
        outcome=outcome,
        person_id=person_id,
        request_id=request_id,
        details=details,
    )
    return chain.append(session, entry)


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
    """Verify the chain; returns (rows intact before the first problem, its seq or None).

    ``audit.verify.verify`` gives the full report with the kind of problem.
    """
    report = verify.verify(session)
    return report.checked, report.problem.seq if report.problem else None


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
