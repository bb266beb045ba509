"""What every job is given: settings, the register, tokens, the acting identity and the shared
stop event, plus the little state the daemon keeps between runs (for metrics and logs).

Jobs are plain functions ``job(ctx: JobContext) -> None``; the catalogue wraps them so that
a failure is logged and the job simply runs again at its next slot.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import SecretStr

from bridge.errors import LeaseHeld
from bridge.services.audit import Actor
from bridge.services.database import Sessions
from bridge.services.leases import held_lease, holder_name
from bridge.settings import Settings

log = logging.getLogger("jobs")


class JobSkipped(Exception):
    """A job had nothing to do at this slot, or another holder has its lease.

    Not a failure: logged at INFO (or DEBUG when ``quiet``), counted as ``skipped``.
    """

    def __init__(self, reason: str, *, quiet: bool = False) -> None:
        super().__init__(reason)
        self.quiet = quiet


class JobFailedUnderAlarm(Exception):
    """A job failed for a cause an open alarm already tells (a dead token while pushes are
    held for it): counted as ``failed`` but logged as a WARNING, so that one cause is one
    ERROR in the daemon's log, the alarm's."""


@dataclass
class JobRecord:
    """The last run of one job in this process (what the metrics endpoint reports)."""

    runs: int = 0
    failures: int = 0
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_status: str = "never"  # ok | failed | skipped | never
    last_error_type: str | None = None
    #: The last failure's words, so that the same failure again is not a new ERROR.
    last_error: str | None = None
    last_duration_s: float = 0.0


@dataclass
class JobContext:
    settings: Settings
    sessions: Sessions
    token_of: Callable[[str], SecretStr]
    actor: Actor
    stop: threading.Event = field(default_factory=threading.Event)
    #: Per job id, the last run in this process.
    records: dict[str, JobRecord] = field(default_factory=dict)
    #: Objects that live across runs of one job (e.g. the push worker and its connections).
    state: dict[str, Any] = field(default_factory=dict)
    #: Records fetched per (connector, stream) by this process's syncs (a metrics counter).
    records_synced: dict[tuple[str, str], int] = field(default_factory=dict)
    #: The heartbeat row of this daemon, once written.
    heartbeat_id: int | None = None
    _said: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _running: set[str] = field(default_factory=set)
    _idle: threading.Condition = field(default_factory=threading.Condition)

    @contextmanager
    def running(self, job_id: str) -> Iterator[None]:
        """Mark a job as running, so a shutdown can wait for it."""
        with self._idle:
            self._running.add(job_id)
        try:
            yield
        finally:
            with self._idle:
                self._running.discard(job_id)
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> list[str]:
        """Wait until no job runs; returns the jobs still running when ``timeout`` ran out."""
        with self._idle:
            self._idle.wait_for(lambda: not self._running, timeout=timeout)
            return sorted(self._running)

    @contextmanager
    def exclusive(self, lease: str, job: str) -> Iterator[None]:
        """Hold ``lease`` for the block, so that of several daemons on one register only
        one runs the job; when another holds it, the slot is skipped (not a failure)."""
        holder = holder_name(self.actor.name)
        try:
            with held_lease(self.sessions, lease, holder, self.settings.daemon.lease_ttl,
                            stop=self.stop):
                yield
        except LeaseHeld as exc:
            raise JobSkipped(f"{job}: {exc}") from None

    @property
    def holder_prefix(self) -> str:
        """Every lease this process takes is held under a name starting with this."""
        return f"{self.actor.name}@{socket.gethostname()}:{os.getpid()}:"

    def say_once(self, key: str, message: str, *args: object) -> None:
        """Log a warning the first time only (e.g. a feature this version does not have)."""
        with self._lock:
            if key in self._said:
                return
            self._said.add(key)
        log.warning(message, *args)

    def count_records(self, connector: str, fetched: dict[str, int]) -> None:
        with self._lock:
            for stream, count in fetched.items():
                key = (connector, stream)
                self.records_synced[key] = self.records_synced.get(key, 0) + count

    def record(self, job_id: str) -> JobRecord:
        with self._lock:
            return self.records.setdefault(job_id, JobRecord())
