"""The transactional outbox: changes the LMS must make, written in the same transaction as the
register change that needs them, and carried out by push workers.

States: ``pending`` (to do, at ``next_attempt_at``), ``in_progress`` (claimed by a worker
until ``claimed_until``), ``waiting`` (the LMS is working on it, e.g. a data-privacy
request awaiting cron; polled again), ``done`` (verified by reading back), ``failed``
(terminal; listed and retried by hand, or, when the LMS refused the bridge itself, held
under an alarm and run again once the cause is fixed: :mod:`.alarms`). A command is never
dropped.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import utcnow
from bridge.errors import UsageError
from bridge.services.leases import dead_local_holder
from bridge.services.push import alarms
from bridge.services.push.confirmation import record_verified
from bridge.store.models import LmsAccount, OutboxCommand

log = logging.getLogger(__name__)

#: Backoff of transient failures: 2 s, 4 s, 8 s … capped at 10 minutes, with jitter.
BACKOFF_BASE_S = 2.0
BACKOFF_CAP_S = 600.0
#: How often a command waiting on the LMS (privacy request) is polled.
WAITING_POLL = timedelta(seconds=30)
#: How long a worker's claim lasts; a crashed worker's command is taken over after it.
CLAIM_TTL = timedelta(minutes=2)
OPEN_STATES = ("pending", "in_progress", "waiting")


def enqueue(
    session: Session,
    *,
    connector: str,
    lms_user_id: int,
    action: str,
    person_id: int | None,
    payload: Mapping[str, Any] | None = None,
    operator: str | None = None,
    reason: str | None = None,
    request_id: int | None = None,
    now: datetime | None = None,
) -> OutboxCommand:
    """Add a command in the caller's transaction (with the register change it belongs to)."""
    command = OutboxCommand(
        connector=connector,
        lms_user_id=lms_user_id,
        action=action,
        person_id=person_id,
        payload=dict(payload or {}),
        operator=operator,
        reason=reason,
        request_id=request_id,
        state="pending",
        next_attempt_at=now or utcnow(),
        created_at=now or utcnow(),
    )
    session.add(command)
    session.flush()
    return command


class AccountKey(Protocol):
    """What a command needs of an account: the connector and the LMS user id."""

    @property
    def connector(self) -> str: ...

    @property
    def lms_user_id(self) -> int: ...


@dataclass(frozen=True)
class LmsUser:
    """An LMS user the register may no longer hold an account row for (e.g. suppressed)."""

    connector: str
    lms_user_id: int


@dataclass(frozen=True)
class Push:
    """One command to queue for an account: the action and its payload."""

    action: str
    payload: Mapping[str, Any] = field(default_factory=dict)


def reachable(accounts: Iterable[LmsAccount], connectors: Container[str]) -> list[LmsAccount]:
    """The accounts a push can reach: not deleted in the LMS, on a configured connector."""
    return [a for a in accounts if not a.deleted and a.connector in connectors]


def enqueue_for_accounts(
    session: Session,
    accounts: Iterable[AccountKey],
    pushes: str | Callable[[AccountKey], Iterable[Push]],
    *,
    person_id: int | None,
    operator: str | None,
    reason: str | None,
    request_id: int | None = None,
) -> list[tuple[AccountKey, OutboxCommand]]:
    """Queue ``pushes`` (one action, or the commands a function gives per account) for each
    account, in order, on behalf of one person and one operator action.

    Consent, erasure, rectification and drift all queue their LMS changes here; callers
    choose the accounts (usually ``reachable`` ones).
    """
    queued = []
    for account in accounts:
        for push in [Push(pushes)] if isinstance(pushes, str) else pushes(account):
            command = enqueue(
                session,
                connector=account.connector,
                lms_user_id=account.lms_user_id,
                action=push.action,
                person_id=person_id,
                payload=push.payload,
                operator=operator,
                reason=reason,
                request_id=request_id,
            )
            queued.append((account, command))
    return queued


def backoff(attempts: int) -> timedelta:
    delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=delay * random.uniform(0.8, 1.2))


def claim(
    sessions: sessionmaker[Session],
    worker: str,
    *,
    limit: int = 20,
    now: datetime | None = None,
    claim_ttl: timedelta = CLAIM_TTL,
    exclude: Sequence[int] = (),
    only: Sequence[int] | None = None,
) -> list[OutboxCommand]:
    """Claim due commands for ``worker``; no two workers ever hold the same command.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED``. SQLite: the transaction takes the database
    write lock at BEGIN, so claims are serialised. A claim expires at ``claimed_until``,
    or at once when its worker was a process of this host that is gone (a killed worker).
    """
    now = now or utcnow()
    with sessions() as session, session.begin():
        taken_over = _dead_claimers(session, now)
        due = sa.or_(
            sa.and_(
                OutboxCommand.state.in_(("pending", "waiting")),
                OutboxCommand.next_attempt_at <= now,
            ),
            sa.and_(
                OutboxCommand.state == "in_progress",
                sa.or_(
                    OutboxCommand.claimed_until < now, OutboxCommand.claimed_by.in_(taken_over)
                ),
            ),
        )
        if exclude:
            due = sa.and_(due, OutboxCommand.id.not_in(list(exclude)))
        if only is not None:  # e.g. the pushes of one command run with --now
            due = sa.and_(due, OutboxCommand.id.in_(list(only)))
        query = (
            sa.select(OutboxCommand)
            .where(due)
            .order_by(OutboxCommand.next_attempt_at, OutboxCommand.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        commands = list(session.scalars(query))
        for command in commands:
            command.state = "in_progress"
            command.claimed_by = worker
            command.claimed_until = now + claim_ttl
            command.attempts += 1
        return commands


def _dead_claimers(session: Session, now: datetime) -> list[str]:
    """Workers holding unexpired claims that were processes of this host and are gone."""
    claimers = session.scalars(
        sa.select(OutboxCommand.claimed_by)
        .where(OutboxCommand.state == "in_progress", OutboxCommand.claimed_until >= now)
        .distinct()
    )
    dead = [claimer for claimer in claimers if claimer and dead_local_holder(claimer)]
    if dead:
        log.warning("taking over the push claims of %s (process is gone)", ", ".join(dead))
    return dead


@dataclass(frozen=True)
class Outcome:
    """What to record of a push. ``remains``: after a verified erasure, what the LMS read
    back as still naming the account (``LmsState.remains``), kept in the erasure record."""

    state: str
    reason: str
    lms_request_id: int | None = None
    remains: Mapping[str, int | bool] | None = None
    #: A failure for a cause a person must fix (``AccessRefused.cause``): held under an alarm.
    refused: str | None = None


def settle(
    sessions: sessionmaker[Session],
    command_id: int,
    worker: str,
    outcome: Outcome,
    *,
    now: datetime | None = None,
    waiting_poll: timedelta = WAITING_POLL,
) -> bool:
    """Record what happened to a claimed command; False if the claim was lost meanwhile."""
    now = now or utcnow()
    with sessions() as session, session.begin():
        command = session.get(OutboxCommand, command_id, with_for_update=True)
        if command is None or command.claimed_by != worker or command.state != "in_progress":
            return False
        command.claimed_by, command.claimed_until = None, None
        command.last_error = outcome.reason if outcome.state != "done" else None
        if outcome.lms_request_id is not None:
            command.lms_request_id = outcome.lms_request_id
        command.state = outcome.state
        if outcome.state == "done":
            command.done_at = command.verified_at = now
            record_verified(session, command, now, outcome.remains)  # an erasure's LMS part
        elif outcome.state == "pending":
            command.next_attempt_at = now + backoff(command.attempts)
        elif outcome.state == "waiting":
            command.next_attempt_at = now + waiting_poll
        elif outcome.refused is not None:
            alarms.hold(session, command, outcome.refused, outcome.reason, now)
        return True


def list_commands(
    session: Session, *, states: Sequence[str] | None = None, limit: int = 500
) -> list[OutboxCommand]:
    query = sa.select(OutboxCommand).order_by(OutboxCommand.id.desc()).limit(limit)
    if states:
        query = query.where(OutboxCommand.state.in_(states))
    return list(session.scalars(query))


def retry(session: Session, command_id: int) -> OutboxCommand:
    """Put a failed command back in the queue (after its cause was fixed)."""
    command = session.get(OutboxCommand, command_id)
    if command is None:
        raise UsageError(f"no push command {command_id}")
    if command.state != "failed":
        raise UsageError(f"push command {command_id} is {command.state}, not failed")
    command.state, command.next_attempt_at, command.attempts = "pending", utcnow(), 0
    command.alarm_id = None
    return command


def open_command_exists(
    session: Session, connector: str, lms_user_id: int, actions: Sequence[str]
) -> bool:
    return bool(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxCommand)
            .where(
                OutboxCommand.connector == connector,
                OutboxCommand.lms_user_id == lms_user_id,
                OutboxCommand.action.in_(actions),
                OutboxCommand.state.in_(OPEN_STATES),
            )
        )
    )
