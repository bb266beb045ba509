"""Scheduled syncs of one connector: incremental (due streams), reconciliation and full.

Each calls :func:`bridge.services.sync.engine.run_sync`, the very function behind ``bridge sync``,
under the same lease ``sync:<connector>``: a manual sync and the daemon never run the
same connector at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bridge.errors import LeaseHeld
from bridge.services.push import alarms
from bridge.services.sync.engine import RunResult, SyncOptions, run_due_sync, run_sync
from bridge.services.sync.proof import AccessNotProven
from jobs.context import JobContext, JobFailedUnderAlarm, JobSkipped

log = logging.getLogger(__name__)


def incremental(ctx: JobContext, connector: str) -> RunResult | None:
    """Pull the streams that are due; skip the slot when none is, or when the lease is held."""
    result = _run(ctx, connector, SyncOptions(trigger="schedule"), wait=False, service=run_due_sync)
    if result is None:
        raise JobSkipped(f"sync of {connector}: no stream is due", quiet=True)
    return result


def reconcile(ctx: JobContext, connector: str) -> RunResult | None:
    """Re-read every stream and mark what vanished from the LMS (waits for the lease)."""
    return _run(ctx, connector, SyncOptions(reconcile=True, trigger="reconcile"), wait=True)


def full(ctx: JobContext, connector: str) -> RunResult | None:
    """Re-read every stream ignoring bookmarks (waits for the lease)."""
    return _run(ctx, connector, SyncOptions(full=True, trigger="full"), wait=True)


def _run(
    ctx: JobContext,
    connector: str,
    options: SyncOptions,
    *,
    wait: bool,
    service: Callable[..., RunResult | None] = run_sync,
) -> RunResult | None:
    """Run one sync. The slow cadences wait for the lease (a nightly pass must not be lost
    to a five-minute incremental run); the incremental one skips its slot instead."""
    token = ctx.token_of(connector)
    options = SyncOptions(
        full=options.full,
        reconcile=options.reconcile,
        trigger=options.trigger,
        wait=wait,
        operator=ctx.actor.name,
    )
    try:
        result = service(
            ctx.settings, ctx.sessions, connector, token, options, stop=ctx.stop, actor=ctx.actor
        )
    except LeaseHeld as exc:
        raise JobSkipped(f"{options.trigger} sync of {connector}: {exc}") from None
    except AccessNotProven as exc:
        if alarms.is_open(ctx.sessions, connector, exc.cause):
            raise JobFailedUnderAlarm(str(exc)) from None
        raise
    if result is None:
        return None
    counts = {n: s.fetched for n, s in result.streams.items()}
    ctx.count_records(connector, counts)
    level = logging.INFO if result.status == "ok" else logging.WARNING
    log.log(
        level,
        "%s sync of %s: run %s %s in %.1fs, fetched %s",
        options.trigger,
        connector,
        result.run_id,
        result.status,
        result.duration_s,
        counts,
        extra={"ctx_connector": connector, "ctx_run_id": result.run_id,
               "ctx_status": result.status},
    )
    return result
