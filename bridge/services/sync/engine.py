"""The sync engine: pulls a connector's streams into the register.

One function serves the CLI's ``bridge sync`` and the daemon's job, so a manual and
a scheduled run cannot differ. Per stream, a fetcher thread pulls batches from the
connector while this thread writes them (a bounded queue between the two), each
batch in one transaction with its bookmark. A run holds the connector's lease.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import utcnow
from bridge.services import audit
from bridge.services.access import drift
from bridge.services.access.suppression import SuppressionList
from bridge.services.audit import Actor
from bridge.services.leases import held_lease, holder_name
from bridge.services.lms import open_connector
from bridge.services.sync.budget import RunBudget
from bridge.services.sync.data_requests import take_in
from bridge.services.sync.dead_runs import mark_dead_runs_interrupted
from bridge.services.sync.listing import Listing
from bridge.services.sync.pipeline import prefetch
from bridge.services.sync.proof import prove_access, prove_only, proven
from bridge.services.sync.reconcile import forget_seen, remember_seen
from bridge.services.sync.record_store import RecordStore
from bridge.services.sync.removal_valve import RemovalPass
from bridge.services.sync.retention_guard import RetentionGuard
from bridge.services.sync.run_plan import (
    NoProgress,
    Progress,
    RunResult,
    StreamStats,
    SyncOptions,
    overall_status,
    select_streams,
)
from bridge.services.sync.state import load_bookmarks, quarantine, save_bookmark
from bridge.services.sync.tables import stream_tables
from bridge.settings import Settings
from bridge.store.models import SyncRun
from connectors.base import (
    ConnectionRefused,
    Connector,
    ConnectorError,
    StreamUnavailable,
    TerminalError,
    Unreachable,
    describe,
)
from connectors.records import Batch

log = logging.getLogger(__name__)

#: Who acts when a sync runs without an operator (e.g. in tests or scripts).
SYNC_ACTOR = "system:sync"


def run_sync(
    settings: Settings,
    sessions: sessionmaker[Session],
    connector_name: str,
    token: SecretStr,
    options: SyncOptions,
    *,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    connector_factory: Callable[[threading.Event], Connector] | None = None,
    actor: Actor | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> RunResult:
    """Run one sync of one connector under its lease. ``connector_factory`` builds the
    connector (default: from configuration and the entry point of its kind). ``clock``
    (monotonic seconds) measures the run's budget."""
    stop = stop or threading.Event()
    ttl = settings.daemon.lease_ttl
    holder = holder_name(options.operator)
    with held_lease(sessions, f"sync:{connector_name}", holder, ttl, wait=options.wait, stop=stop):
        if connector_factory is not None:
            connector = connector_factory(stop)
        else:
            connector = open_connector(settings, connector_name, token, stop_event=stop)
        if options.trigger == "manual":  # someone waits: an unreachable LMS is told in seconds
            connector.give_up_quickly_when_unreachable()
        try:
            streams = select_streams(settings, sessions, connector_name, connector.streams, options)
            if not streams:  # no stream to meet a dead token: the proof does
                prove_access(settings, sessions, connector_name, connector)
            budget = RunBudget.starting_now(settings.connectors[connector_name].run_budget, clock)
            context = RunContext(
                settings, sessions, connector_name, connector, options, actor,
                progress or NoProgress(), stop, secrets=(token.get_secret_value(),),
                budget=budget,
            )
            return proven(sessions, connector_name, _Run(context).run(streams))
        finally:
            connector.close()


def run_due_sync(
    settings: Settings,
    sessions: sessionmaker[Session],
    connector_name: str,
    token: SecretStr,
    options: SyncOptions,
    **kwargs: Any,
) -> RunResult | None:
    """:func:`run_sync` of the streams that are due, or ``None`` (no run, only the token
    proof) when none is: a five-minute cadence must not write an empty run row every time."""
    enabled = settings.connectors[connector_name].streams
    if not select_streams(settings, sessions, connector_name, enabled, SyncOptions()):
        prove_only(settings, sessions, connector_name, token, **kwargs)
        return None
    return run_sync(settings, sessions, connector_name, token, options, **kwargs)


@dataclass(frozen=True)
class RunContext:
    """What one run works with: complete when the run is built, never changed after."""

    settings: Settings
    sessions: sessionmaker[Session]
    #: The connector's name in the configuration.
    name: str
    connector: Connector
    options: SyncOptions
    #: Who the run's audit rows name; None writes none (tests, scripts).
    actor: Actor | None
    progress: Progress
    stop: threading.Event
    #: Values masked in quarantined payloads (the connector's token).
    secrets: tuple[str, ...]
    #: How long the run may go on asking the LMS.
    budget: RunBudget


class _Run:
    """One run's progress: what it has read and written so far, over a fixed context."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.refused: str | None = None
        self.unreachable: str | None = None
        self.listings: dict[str, Listing] = {}
        self.written: dict[str, dict[str, Any]] = {}  # the run row's counts so far

    def run(self, streams: list[str]) -> RunResult:
        started, run_id, ctx = time.monotonic(), self._open_run(), self.ctx
        with ctx.sessions() as session:
            self.suppression = SuppressionList.load(session, ctx.settings, ctx.name)
            self.retention = RetentionGuard.load(session, ctx.settings, ctx.name)
        self.active_suppressed: set[int] = set()
        results: dict[str, StreamStats] = {}
        skipped: dict[str, str] = {}
        warnings: list[str] = []
        not_run: list[str] = []
        self.ctx.progress.streams_planned(streams)
        for stream in streams:
            if self.ctx.stop.is_set() or self.refused or self.unreachable:
                break  # a refused or unreachable LMS fails every stream alike: say it once
            if self.ctx.budget.spent():
                not_run.append(stream)
                continue
            self.ctx.progress.stream_started(stream)
            stats = self._sync_stream(run_id, stream)
            if stats.status == "skipped":
                skipped[stream] = stats.error or "skipped"
                warnings.append(f"{stream}: {stats.error}")
            else:
                results[stream] = stats
                if stats.note:
                    warnings.append(f"{stream}: {stats.note}")
            if self.unreachable:
                self.ctx.progress.stream_abandoned(stream)
            else:
                self.ctx.progress.stream_finished(stream, stats)
        if "users" in results and results["users"].status == "ok":
            warnings += self._enforce_drift(self.listings["users"])
        if not (ctx.stop.is_set() or self.refused or self.unreachable):  # learners' own requests
            warnings += take_in(ctx.sessions, ctx.settings, ctx.name, ctx.actor, ctx.connector)
        if not_run:
            warnings.append(self.ctx.budget.streams_not_run(not_run))
        status = overall_status(results, interrupted=self.ctx.stop.is_set() or bool(not_run))
        if status == "ok" and any(s.listing == "withheld" for s in results.values()):
            status = "partial"  # the valve held removals back: someone must look (exit 1)
        result = RunResult(
            run_id=run_id,
            connector=self.ctx.name,
            status=status,
            streams=results,
            requests=self.ctx.connector.request_count,
            duration_s=time.monotonic() - started,
            skipped=skipped,
            warnings=warnings,
            unreachable=self.unreachable,
        )
        self._close_run(result)
        return result

    def _open_run(self) -> int:
        now = utcnow()
        with self.ctx.sessions() as session, session.begin():
            # our lease proves no one else is running: earlier runs died
            mark_dead_runs_interrupted(session, now, connector=self.ctx.name, actor=self.ctx.actor)
            run = SyncRun(
                connector=self.ctx.name,
                started_at=now,
                trigger=self.ctx.options.trigger,
                operator=self.ctx.options.operator,
                status="running",
            )
            session.add(run)
            session.flush()
            return run.id

    def _close_run(self, result: RunResult) -> None:
        streams = {name: asdict(s) for name, s in result.streams.items()}
        streams.update(
            {name: {"status": "skipped", "error": why} for name, why in result.skipped.items()}
        )
        errors = [f"{n}: {s.error}" for n, s in result.streams.items() if s.error]
        with self.ctx.sessions() as session, session.begin():
            session.execute(
                sa.update(SyncRun)
                .where(SyncRun.id == result.run_id)
                .values(
                    status=result.status,
                    finished_at=utcnow(),
                    streams=streams,
                    requests=result.requests,
                    error="\n".join(errors) or None,
                )
            )
            if self.ctx.actor is not None:  # one audit row per run, with counts (CONTRACTS 9)
                audit.record(
                    session,
                    self.ctx.actor,
                    "sync",
                    details={
                        "connector": self.ctx.name,
                        "run_id": result.run_id,
                        "status": result.status,
                        "streams": {n: s.public() for n, s in result.streams.items()},
                    },
                )

    def _sync_stream(self, run_id: int, stream: str) -> StreamStats:
        stats = StreamStats()
        full_read = self.ctx.options.full or self.ctx.options.reconcile
        with self.ctx.sessions() as session:
            stored = load_bookmarks(session, self.ctx.name).get(stream)
        bookmark = None if full_read or stored is None else stored.bookmark
        listing = self.listings[stream] = Listing()
        try:
            for batch in self._batches(stream, bookmark):
                listing.note(batch)
                stats.lms_unchanged = stats.lms_unchanged or batch.unchanged
                self._store_batch(run_id, stream, batch, stats)
                self.ctx.progress.batch_stored(stream, stats)
                if self.ctx.stop.is_set() or self.ctx.budget.spent():
                    stopped = "interrupted" if self.ctx.stop.is_set() else None
                    stats.status = "failed"
                    stats.error = stopped or self.ctx.budget.stopped_stream()
                    self._forget(run_id)
                    return stats
            self._finish_stream(run_id, stream, stats, listing)
        except ConnectorError as exc:
            self._failed(stream, stats, exc)
            self._forget(run_id)
        return stats

    def _failed(self, stream: str, stats: StreamStats, exc: ConnectorError) -> None:
        """What a connector's error means for the stream, and for the rest of the run: a
        missing plugin skips the stream; a refused or unreachable LMS ends the run (every
        stream would fail alike); a transient error is tried again by the next run."""
        if isinstance(exc, StreamUnavailable):
            stats.status, stats.error = "skipped", str(exc)
        elif isinstance(exc, TerminalError):
            stats.status, stats.error = "failed", describe(exc)
            log.error("stream %s failed: %s", stream, stats.error)
            if isinstance(exc, ConnectionRefused):
                self.refused = stats.error
        elif isinstance(exc, Unreachable):
            stats.status, stats.error = "failed", str(exc)
            self.unreachable = describe(exc)
            log.log(self._transient_level, "stream %s failed: %s", stream, exc)
        else:
            stats.status, stats.error = "failed", f"{exc}{self._retried_when}"
            log.log(self._transient_level, "stream %s failed: %s", stream, exc)

    @property
    def _retried_when(self) -> str:
        """Who tries a transient failure again: nobody for a manual run (CLI tells the user)."""
        return "" if self.ctx.options.trigger == "manual" else " (transient; the next run retries)"

    @property
    def _transient_level(self) -> int:
        """A manual run's transient failure is the command's answer; the daemon logs it."""
        return logging.INFO if self.ctx.options.trigger == "manual" else logging.WARNING

    def _batches(self, stream: str, bookmark: Any) -> Iterator[Batch]:
        return prefetch(lambda: self.ctx.connector.pull(stream, bookmark), self.ctx.stop, depth=2)

    def _store_batch(self, run_id: int, stream: str, batch: Batch, stats: StreamStats) -> None:
        now = utcnow()
        store = RecordStore(
            self.ctx.name,
            run_id=run_id,
            now=now,
            suppression=self.suppression,
            retention=self.retention,
            stream=stream,
        )
        with self.ctx.sessions() as session, session.begin():
            written = store.store(session, batch.records)
            rejects = [*batch.rejects, *written.rejects]
            stats.quarantined += quarantine(
                session, self.ctx.name, run_id, rejects, self.ctx.secrets, now
            )
            if self.ctx.options.reconcile:  # a misfit is still listed: not removed in the LMS
                remember_seen(session, run_id, batch.records)
            if batch.checkpoint is not None:
                checkpoint = batch.checkpoint
                save_bookmark(session, self.ctx.name, stream, checkpoint, run_id=run_id, now=now)
            stats.fetched += len(batch.records) + len(batch.rejects)
            stats.created += written.created
            stats.updated += written.updated
            stats.unchanged += written.unchanged
            stats.rows_written += written.rows_written
            # with the batch: a killed run's row still says what it wrote
            self.written[stream] = {**stats.public(), "status": "running"}
            session.execute(
                sa.update(SyncRun).where(SyncRun.id == run_id).values(streams=dict(self.written))
            )
        self.active_suppressed |= store.active_suppressed

    def _finish_stream(
        self, run_id: int, stream: str, stats: StreamStats, listing: Listing
    ) -> None:
        now = utcnow()
        with self.ctx.sessions() as session, session.begin():
            if self.ctx.options.reconcile:
                removal = RemovalPass(
                    self.ctx.name,
                    run_id,
                    stream,
                    self.ctx.settings.reconcile,
                    self.ctx.options.accept_removals,
                    self.ctx.actor,
                    self.ctx.connector,
                )
                outcome = removal.run(session, stream_tables(stream), listing, now)
                stats.listing, stats.note = outcome.state, outcome.note
                stats.removed = outcome.removed
                stats.rows_written += stats.removed
            save_bookmark(
                session,
                self.ctx.name,
                stream,
                None,
                run_id=run_id,
                now=now,
                completed=True,
                reconciled=stats.listing == "complete",
            )

    def _enforce_drift(self, users: Listing) -> list[str]:
        """Drift enforcement after the users stream. When that listing was incomplete, the
        register's copy of an account it did not list may be stale: such accounts are left
        alone until a complete listing has read them again."""
        actor = self.ctx.actor or Actor(SYNC_ACTOR, "operator")
        listed = None if users.complete else users.users
        with self.ctx.sessions() as session, session.begin():
            revoked, skipped = drift.enforce(
                session, actor, self.ctx.name, self.active_suppressed, listed=listed
            )
        warnings = [
            f"drift: queued revocation of LMS user {r['lms_user_id']} ({r['reason']})"
            for r in revoked
        ]
        if skipped:
            warnings.append(
                f"drift: {skipped} account(s) not checked: the users listing was incomplete"
            )
        return warnings

    def _forget(self, run_id: int) -> None:
        if self.ctx.options.reconcile:
            with self.ctx.sessions() as session, session.begin():
                forget_seen(session, run_id)
