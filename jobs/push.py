"""The push worker, run every ``daemon.push_interval``: carries out due outbox commands.

One :class:`~bridge.services.push.worker.PushWorker` lives for the daemon's lifetime, so
its LMS connections are reused between passes. Several daemons may run it at once on
PostgreSQL (claims use ``FOR UPDATE SKIP LOCKED``). Keeping the poll short is what keeps
the revocation latency target of "Push-back": a withdrawn consent waits at most one
interval before its suspend is sent.
"""

from __future__ import annotations

import logging

from bridge.services.ops.alarm_notices import announce
from bridge.services.ops.erasure_notices import tell_confirmed
from bridge.services.push.worker import PushRunStats, PushWorker
from jobs.context import JobContext, JobSkipped

log = logging.getLogger(__name__)

WORKER = "push_worker"


def worker(ctx: JobContext) -> PushWorker:
    existing = ctx.state.get(WORKER)
    if existing is None:
        existing = PushWorker(
            ctx.settings, ctx.sessions, ctx.token_of, actor=ctx.actor, stop=ctx.stop
        )
        ctx.state[WORKER] = existing
    return existing  # type: ignore[no-any-return]


def run(ctx: JobContext) -> PushRunStats:
    """One pass over the due commands, then the privacy officer is told of erasures it
    confirmed and of new alarms (once each, whoever's push raised them); a pass with
    nothing to do is a quiet skip."""
    stats = worker(ctx).run_once()
    if stats.done:
        tell_confirmed(ctx.sessions, ctx.settings, ctx.actor)
    announce(ctx.sessions, ctx.settings, ctx.actor)
    if not stats.claimed:
        raise JobSkipped("nothing to push", quiet=True)
    log.info("push pass: %s", stats.as_dict(), extra={"ctx_counts": stats.as_dict()})
    return stats


def close(ctx: JobContext) -> None:
    """Close the worker's LMS connections (at shutdown)."""
    existing = ctx.state.pop(WORKER, None)
    if existing is not None:
        existing.close()
