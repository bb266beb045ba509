"""The daemon: runs the scheduler, keeps a heartbeat row, serves metrics, stops cleanly.

Shutdown (SIGTERM or SIGINT): no new job starts; the shared stop event ends every wait
at once (retry backoff, ``Retry-After``, lease waits) and running syncs and pushes stop
at their next batch boundary; after at most ``daemon.shutdown_grace`` the daemon
releases its leases, marks its heartbeat stopped and returns 0.

On SQLite one daemon does sync and push in one process (CONTRACTS 11): it holds the
``daemon`` lease (:mod:`bridge.services.ops.sqlite_guard`), and a second daemon on the
same file exits 3. On PostgreSQL several daemons share the work through the sync leases
and ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

from pydantic import SecretStr

from bridge.errors import ConfigError
from bridge.services.audit import Actor
from bridge.services.database import Sessions
from bridge.services.leases import Lease
from bridge.services.ops import lifecycle
from bridge.services.ops.sqlite_guard import take_sqlite_guard
from bridge.settings import Settings
from jobs import housekeeping, push
from jobs.catalogue import build_scheduler, quiet_scheduler_logs
from jobs.context import JobContext
from jobs.metrics import MetricsServer

log = logging.getLogger(__name__)


class Daemon:
    def __init__(
        self,
        settings: Settings,
        sessions: Sessions,
        token_of: Callable[[str], SecretStr],
        *,
        actor: Actor,
    ) -> None:
        self.ctx = JobContext(settings, sessions, token_of, actor)
        quiet_scheduler_logs()
        self.scheduler = build_scheduler(self.ctx)
        self.metrics: MetricsServer | None = None
        self.guard: Lease | None = None
        self._signals = 0

    @property
    def stop(self) -> threading.Event:
        return self.ctx.stop

    def run(self) -> int:
        """Start, serve until a signal (or :meth:`request_stop`), shut down; returns 0."""
        try:
            self.start()
        except BaseException:
            self.shutdown()
            raise
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            while not self.stop.wait(1.0):
                pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.shutdown()
        return 0

    def request_stop(self) -> None:
        self.stop.set()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._signals += 1
        name = signal.Signals(signum).name
        if self._signals == 1:
            log.info("%s received: stopping (no new work; running jobs end at a batch boundary)",
                     name)
        else:
            log.warning("%s received again: already stopping", name)
        self.stop.set()

    def start(self) -> None:
        self.guard = take_sqlite_guard(
            self.ctx.sessions, self.ctx.actor.name, self.ctx.settings.daemon.lease_ttl
        )
        housekeeping.start_heartbeat(self.ctx)
        lifecycle.record_start(self.ctx.sessions, self.ctx.actor)
        port = self.ctx.settings.daemon.metrics_port
        if port:
            try:
                self.metrics = MetricsServer(self.ctx, port).start()
            except OSError as exc:
                raise ConfigError(
                    f"cannot serve metrics on 127.0.0.1:{port}: {exc.strerror}",
                    key="daemon.metrics_port",
                ) from None
        self.scheduler.start()
        jobs = sorted(job.id for job in self.scheduler.get_jobs())
        log.info(
            "daemon started as %s (role %s): jobs %s%s",
            self.ctx.actor.name,
            self.ctx.actor.role,
            ", ".join(jobs),
            f"; metrics on {self.metrics.url}" if self.metrics else "",
            extra={"ctx_jobs": jobs, "ctx_pid": os.getpid()},
        )

    def shutdown(self) -> None:
        """Stop taking work, let running jobs reach a boundary, release everything."""
        self.stop.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        grace = self.ctx.settings.daemon.shutdown_grace.total_seconds()
        stuck = self.ctx.wait_idle(grace)
        if stuck:
            log.error("jobs still running after %.0fs: %s; releasing their leases anyway",
                      grace, ", ".join(stuck))
        push.close(self.ctx)
        if self.guard is not None:  # the daemon's own lease: released on every stop
            self.guard.release()
        released = housekeeping.release_own_leases(self.ctx)
        if released:
            # Jobs release their leases when they end, so one left here belongs to a job
            # that did not stop in time (a warning); after a clean stop it is routine.
            level = logging.WARNING if stuck else logging.INFO
            log.log(level, "released %d lease(s) left by stopped jobs", released)
        if self.ctx.heartbeat_id is not None:
            housekeeping.stop_heartbeat(self.ctx)
            lifecycle.record_stop(self.ctx.sessions, self.ctx.actor)
        if self.metrics is not None:
            self.metrics.stop()
        log.info("daemon stopped")
        if stuck:
            # A worker thread that ignores the stop event would block interpreter exit;
            # its work is transactional and its leases are gone, so leave now.
            logging.shutdown()
            sys.stdout.flush()
            os._exit(0)
