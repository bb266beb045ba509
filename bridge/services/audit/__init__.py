"""Operators, roles and the audit trail (N12, CONTRACTS 9).

Who acts is the operating system's answer (``audit.identity``: the sudo caller, else the
real uid's login name), never a name the caller types. ``[operators]`` maps that name to
one role or several (the actor may do what any of them may); an unlisted name is a
``viewer``. Daemon jobs act as ``system:daemon`` with ``[daemon] role``. Roles guard
against mistakes among the people who share the host; the boundary against everyone else
is the service account, file modes and database roles (docs/deploy.md).

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

from bridge.clock import utcnow
from bridge.errors import NotPermitted, OperationFailed
from bridge.services.audit import chain, verify
from bridge.services.audit.anchor import Anchor, anchor_path, reset_anchor
from bridge.services.audit.identity import DAEMON, ForgedSudo, operator_name
from bridge.settings import Settings
from bridge.store.models import AuditEntry

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
            "backup",
        }
    ),
}


@dataclass(frozen=True)
class Actor:
    """Who acts and with which roles.

    ``role`` is one role or several joined by ``+`` (``"dpo+operator"``), exactly as the
    audit row's ``role`` column stores it, so the chain's MAC covers every role held.
    """

    name: str
    role: str

    @classmethod
    def holding(cls, name: str, roles: tuple[str, ...]) -> Actor:
        """An actor with ``roles``, least privileged first, leaving out a role whose
        permissions another held role already has (``viewer`` beside any role, anything
        beside ``admin``): the label says what the actor may do in the fewest words, and
        fits the audit row's ``role`` column (at most ``operator+dpo``)."""
        held = [role for role in PERMISSIONS if role in roles]
        needed = [
            role
            for role in held
            if not any(PERMISSIONS[role] < PERMISSIONS[other] for other in held)
        ]
        return cls(name, "+".join(needed or ["viewer"]))

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self.role.split("+"))

    def may(self, permission: str) -> bool:
        """True when any of the roles has ``permission`` (the union of their permissions)."""
        return any(permission in PERMISSIONS.get(role, frozenset()) for role in self.roles)


def acting_operator(settings: Settings) -> Actor:
    """The person running this command, as the OS names them, with their mapped roles."""
    name = operator_name()
    return Actor.holding(name, settings.operators.get(name, ("viewer",)))


def record_forged_sudo(
    sessions: sessionmaker[Session], settings: Settings, forged: ForgedSudo, action: str
) -> None:
    """Audit a refused ``SUDO_USER`` claim as the account that really ran the command."""
    actor = Actor.holding(forged.login, settings.operators.get(forged.login, ("viewer",)))
    with sessions() as session, session.begin():
        record(session, actor, action, outcome="denied", details={"forged_sudo": forged.claim})


def daemon_actor(settings: Settings) -> Actor:
    """What every daemon job acts as; only ``bridge daemon`` builds it, after checking that
    whoever started it may ``sync``."""
    return Actor(DAEMON, settings.daemon.role)


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
        f"operator {actor.name!r} may not {action}: that needs the role "
        f"{_either(roles_with(permission))} (you are {_either(actor.roles, 'and')}; roles "
        "are given in [operators] of the configuration)"
    )


def roles_with(permission: str) -> tuple[str, ...]:
    """The roles that may do ``permission``, least privileged first."""
    return tuple(role for role, allowed in PERMISSIONS.items() if permission in allowed)


def _either(roles: tuple[str, ...], word: str = "or") -> str:
    """``admin``, ``dpo or admin``, ``operator, dpo or admin``."""
    if len(roles) < 2:
        return "".join(roles) or "none"
    return f"{', '.join(roles[:-1])} {word} {roles[-1]}"


def reanchor(sessions: sessionmaker[Session], actor: Actor) -> tuple[Anchor | None, Anchor]:
    """Make a new anchor at the head, after a restore or a lost anchor file, and audit it.

    Only a problem of the head against the anchor (missing, cut, emptied, behind) can be
    settled so; rows that are changed, missing in the middle or rewritten without the key
    stay reported. The reset's own row, the new head, records the anchor it replaces, and
    ``bridge audit verify`` names it. Returns (the anchor before, the new one).
    """
    with sessions() as session, session.begin():
        report = verify.verify(session)
        problem = report.problem
        if problem is not None and problem.kind not in verify.ANCHOR_KINDS:
            raise OperationFailed(
                f"the audit rows themselves are broken at seq {problem.seq} ({problem.kind}): "
                "a new anchor would not mend that; the anchor is left as it is"
            )
        chain.hold_anchor(session)
        before = report.anchor
        entry = record(
            session,
            actor,
            verify.ANCHOR_RESET_ACTION,
            details={
                "anchor_before": before.as_dict() if before else None,
                "head_seq_before": report.head_seq,
                "problem": problem.kind if problem else None,
            },
        )
        head = Anchor(entry.seq, entry.mac or "")
        anchor_file = anchor_path(chain.secret_file_of(session))
    reset_anchor(anchor_file, head)
    return before, head


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
