"""The push worker: carries out outbox commands in the LMS and marks them done only when the
connector's read-back (``PushResult.state``) shows the intended state. The connector reads
back once and reports what it read; the worker alone judges it
(:mod:`bridge.services.push.verdict`), without asking the LMS again. Used by
`bridge push run` and by the daemon's job."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import utcnow
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.leases import holder_name
from bridge.services.lms import open_connector
from bridge.services.push.outbox import CLAIM_TTL, Outcome, claim, settle
from bridge.services.push.verdict import judge
from bridge.settings import Settings
from bridge.settings.durations import format_duration
from bridge.store.models import OutboxCommand
from connectors.base import (
    Connector,
    ConnectorError,
    PushCommand,
    PushResult,
    Unreachable,
    describe,
)

log = logging.getLogger(__name__)

ConnectorFactory = Callable[[str, threading.Event], Connector]


@dataclass
class PushRunStats:
    claimed: int = 0
    done: int = 0
    waiting: int = 0
    retrying: int = 0
    failed: int = 0
    lost: int = 0
    outcomes: list[dict[str, object]] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("claimed", "done", "waiting", "retrying", "failed")}


class PushWorker:
    """Claims due commands and executes them; several workers may run at once."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        token_of: Callable[[str], SecretStr],
        *,
        actor: Actor | None = None,
        connector_factory: ConnectorFactory | None = None,
        stop: threading.Event | None = None,
        claim_ttl: timedelta | None = None,
        manual: bool = False,
    ) -> None:
        self.settings, self.sessions, self.token_of = settings, sessions, token_of
        self.actor = actor
        self.stop = stop or threading.Event()
        #: A crashed worker's commands are taken over once this has passed (push_claim_ttl).
        self.claim_ttl = claim_ttl or settings.daemon.push_claim_ttl or CLAIM_TTL
        self.worker = holder_name(actor.name if actor else "push")
        self._factory = connector_factory or self._open
        self._connectors: dict[str, Connector] = {}
        self._tokens: dict[str, SecretStr] = {}  # each open connector's token
        #: A person waits for this run (``push run --once``, ``--now``): an unreachable LMS is
        #: told in seconds rather than waited out with the daemon's backoff.
        self.manual = manual
        #: Connectors found unreachable in this pass, with the one line that says so: their
        #: other commands are not tried again in the same pass (they stay queued).
        self.unreachable: dict[str, str] = {}

    def _open(self, name: str, stop: threading.Event) -> Connector:
        connector = open_connector(self.settings, name, self.token_of(name), stop_event=stop)
        if self.manual:
            connector.give_up_quickly_when_unreachable()
        return connector

    def connector(self, name: str) -> Connector:
        """The open connector ``name``, opened afresh when its token changed since (a token
        put right in its file is used at once, and clears a token alarm's pushes)."""
        token = self.token_of(name)
        if self._tokens.get(name) != token:
            self._drop(name)
        if name not in self._connectors:
            self._connectors[name] = self._factory(name, self.stop)
            self._tokens[name] = token
        return self._connectors[name]

    @property
    def request_count(self) -> int:
        """LMS requests of this worker's connectors so far (for benchmarks and run stats)."""
        return sum(c.request_count for c in self._connectors.values())

    def _drop(self, name: str) -> None:
        connector = self._connectors.pop(name, None)
        if connector is not None:
            connector.close()

    def close(self) -> None:
        for connector in self._connectors.values():
            connector.close()
        self._connectors.clear()

    def run_once(self, limit: int = 500, *, only: Sequence[int] | None = None) -> PushRunStats:
        """Carry out every command that is due now (in claims of ``limit``); with ``only``,
        just those commands (the ones a command run with ``--now`` queued).

        A claim is large so that a thousand revocations at once go to the LMS in a few
        batches (``Connector.push_many``); each command is still settled on its own.
        """
        stats = PushRunStats()
        self.unreachable = {}
        seen: set[int] = set()  # each command at most once per pass, however short its poll
        while not self.stop.is_set():
            commands = claim(self.sessions, self.worker, limit=limit, claim_ttl=self.claim_ttl,
                             exclude=sorted(seen), only=only)
            if not commands:
                break
            seen.update(c.id for c in commands)
            stats.claimed += len(commands)
            batched, single = _batches(commands)
            for group in batched:
                if self.stop.is_set():  # unclaimed work is taken over when the claim expires
                    break
                self._execute_batch(group, stats)
            for command in single:
                if self.stop.is_set():
                    break
                self._execute(command, stats)
        if stats.claimed and self.actor is not None:
            with self.sessions() as session, session.begin():
                audit.record(session, self.actor, "push run", details=stats.as_dict())
        return stats

    def _execute_batch(self, group: list[OutboxCommand], stats: PushRunStats) -> None:
        """Commands of one connector and action, applied together by the connector."""
        requests = [_request(c) for c in group]
        results = self._pushed(group[0].connector, requests, lambda c: c.push_many(requests))
        for command, request, result in zip(group, requests, results, strict=True):
            self._execute(command, stats, judge(request, result))

    def _pushed(
        self,
        name: str,
        requests: Sequence[PushCommand],
        push: Callable[[Connector], list[PushResult]],
    ) -> list[PushResult]:
        """``push`` on connector ``name``, one result per request, a connector error mapped
        to each. An unreachable LMS is said once per pass: its later commands stay pending
        without being tried."""
        if name in self.unreachable:
            return [PushResult.transient_error(self.unreachable[name])] * len(requests)
        try:
            return push(self.connector(name))
        except ConnectorError as exc:
            if isinstance(exc, Unreachable):
                self.unreachable[name] = describe(exc)
            return [PushResult.from_error(exc)] * len(requests)

    def _execute(
        self, command: OutboxCommand, stats: PushRunStats, outcome: Outcome | None = None
    ) -> None:
        outcome = outcome or self._carry_out(command)
        poll = self.settings.daemon.privacy_poll
        if not settle(self.sessions, command.id, self.worker, outcome, waiting_poll=poll):
            stats.lost += 1
            log.warning("push %s: claim lost before it could be settled", command.id)
            return
        if outcome.state == "waiting":
            self._warn_when_overdue(command, outcome)
        if outcome.refused is not None:  # the next pass opens it afresh: a new token is read
            self._drop(command.connector)
        counter = {"done": "done", "waiting": "waiting", "pending": "retrying", "failed": "failed"}
        name = counter[outcome.state]
        setattr(stats, name, getattr(stats, name) + 1)
        stats.outcomes.append(
            {
                "id": command.id,
                "connector": command.connector,
                "state": outcome.state,
                "reason": outcome.reason,
                "refused": outcome.refused,
            }
        )
        log.info(
            "push %s %s of LMS user %s: %s (%s)",
            command.id,
            command.action,
            command.lms_user_id,
            outcome.state,
            outcome.reason,
        )

    def _warn_when_overdue(self, command: OutboxCommand, outcome: Outcome) -> None:
        """The daemon's alert: warn once, at the first poll after a push has waited on the
        LMS longer than ``daemon.lms_request_overdue`` (`bridge status` keeps showing it).

        The previous poll was ``privacy_poll`` before this one fell due, so the limit was
        crossed in between exactly once.
        """
        limit = self.settings.daemon.lms_request_overdue
        previous_poll = command.next_attempt_at - self.settings.daemon.privacy_poll
        if previous_poll - command.created_at < limit <= utcnow() - command.created_at:
            log.warning(
                "push %s in %s is overdue: waiting on the LMS for more than %s: %s",
                command.id,
                command.connector,
                format_duration(limit),
                outcome.reason,
            )

    def _carry_out(self, command: OutboxCommand) -> Outcome:
        request = _request(command)
        [result] = self._pushed(command.connector, [request], lambda c: [c.push(request)])
        return judge(request, result)


#: Actions a connector may apply to many accounts at once (``Connector.push_many``).
BATCH_ACTIONS = frozenset({"suspend", "unsuspend"})


def _batches(
    commands: list[OutboxCommand],
) -> tuple[list[list[OutboxCommand]], list[OutboxCommand]]:
    """Split a claim into groups pushed together and commands pushed one by one.

    A suspend or unsuspend is batched only when it is its account's one command in the
    claim, so an account's commands still run in the order they were queued (suspend,
    then unenrol; unsuspend, then suspend again).
    """
    per_account: dict[tuple[str, int], int] = {}
    for command in commands:
        key = (command.connector, command.lms_user_id)
        per_account[key] = per_account.get(key, 0) + 1
    groups: dict[tuple[str, str], list[OutboxCommand]] = {}
    single: list[OutboxCommand] = []
    for command in commands:
        if command.action in BATCH_ACTIONS and per_account[
            (command.connector, command.lms_user_id)
        ] == 1:
            groups.setdefault((command.connector, command.action), []).append(command)
        else:
            single.append(command)
    for group in [g for g in groups.values() if len(g) == 1]:  # one alone: the plain push
        single.extend(group)
    return [g for g in groups.values() if len(g) > 1], sorted(single, key=lambda c: c.id)


def _request(command: OutboxCommand) -> PushCommand:
    payload = command.payload or {}
    return PushCommand(
        action=command.action,  # type: ignore[arg-type]
        lms_user_id=command.lms_user_id,
        course_ids=tuple(payload.get("course_ids") or ()),
        changes=payload.get("changes") or {},
        lms_request_id=command.lms_request_id,
    )
