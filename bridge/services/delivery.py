"""When a queued push reaches the LMS: the answer a command gives after queueing one.

Withdrawing consent or erasing a person changes the register at once, but the LMS only
changes when a push worker carries the command out. A privacy officer who reads "queued
push 1" cannot tell whether the person can still log in; these functions say when access
ends (the daemon's next poll, or the command to run), and carry the pushes out at once
for ``--now``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from bridge.services.audit import Actor
from bridge.services.push.alarms import fix_for
from bridge.services.push.worker import PushRunStats, PushWorker
from bridge.services.status import daemon_alive
from bridge.settings import Settings
from bridge.settings.durations import format_duration

#: What to run when no daemon carries pushes out.
PUSH_COMMAND = "bridge push run --once"


def when_it_happens(
    settings: Settings, session: Session, what: str, *, or_else: str | None = None
) -> str:
    """One sentence: when ``what`` (e.g. "access ends") happens in the LMS.

    A daemon whose heartbeat is fresh polls the queue every ``daemon.push_interval``;
    otherwise nothing will, and the sentence names the command that does it, and
    ``or_else``: the calling command's own way (only it knows its options).
    """
    if daemon_alive(settings, session):
        every = format_duration(settings.daemon.push_interval)
        return f"{what} within {every}, when the daemon pushes it to the LMS"
    also = f" ({or_else})" if or_else else ""
    return f"no daemon is running: {what} when you run `{PUSH_COMMAND}`{also}"


@dataclass(frozen=True)
class Delivery:
    """What ``--now`` achieved: every push verified by read-back, or why not."""

    done: list[int]
    waiting: list[str]
    failed: list[str]
    unreachable: list[str]
    #: Refused for a cause a person must fix (an alarm): what to fix; they run again by
    #: themselves once it works.
    held: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not (self.failed or self.unreachable or self.held)


def deliver_now(
    settings: Settings,
    sessions: sessionmaker[Session],
    token_of: Callable[[str], SecretStr],
    actor: Actor,
    command_ids: Sequence[int],
) -> Delivery:
    """Carry out ``command_ids`` now and verify them by reading back (``--now``).

    Only these commands are claimed; one that fails for a transient cause stays queued for
    the next push run, with its backoff, exactly as if the worker had tried it; one the LMS
    refused for a cause a person must fix is held under an alarm until that is fixed.
    """
    worker = PushWorker(
        settings, sessions, token_of, actor=actor, stop=threading.Event(), manual=True
    )
    try:
        stats: PushRunStats = worker.run_once(only=list(command_ids))
    finally:
        worker.close()
    done: list[int] = []
    waiting: list[str] = []
    failed: list[str] = []
    held: list[str] = []
    for outcome in stats.outcomes:
        line = f"push {outcome['id']}: {outcome['reason']}"
        if outcome["state"] == "done":
            done.append(int(str(outcome["id"])))
        elif outcome["state"] == "waiting":
            waiting.append(line)
        elif outcome["state"] == "failed" and outcome["refused"]:
            name, cause = str(outcome["connector"]), str(outcome["refused"])
            fix = fix_for(settings, name, cause, str(outcome["reason"]))
            held.append(f"push {outcome['id']}: {fix}; it runs again by itself once that works")
        elif outcome["state"] == "failed":
            failed.append(f"{line}; it runs again only after `bridge push retry {outcome['id']}`")
        elif outcome["connector"] not in worker.unreachable:  # that one is said once
            failed.append(f"{line}; it stays queued")
    tried = {outcome["id"] for outcome in stats.outcomes}
    waiting += [
        f"push {i}: another push worker (the daemon) is carrying it out"
        for i in command_ids
        if i not in tried
    ]
    unreachable = [
        f"{name}: {line}; its pushes stay queued" for name, line in worker.unreachable.items()
    ]
    return Delivery(done, waiting, failed, unreachable, held)
