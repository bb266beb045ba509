"""The daemon's own bookkeeping: its heartbeat row, expired leases, and runs left "running"
by a process that died (marked ``interrupted`` so `bridge status` tells the truth).

Everything here is idempotent, so several daemons on one register may run it at once.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

import sqlalchemy as sa

from bridge.registry.base import utcnow
from bridge.registry.models import DaemonHeartbeat, SyncLease, SyncRun
from jobs.context import JobContext

log = logging.getLogger(__name__)

#: Heartbeat rows of daemons stopped (or silent) longer than this are deleted.
HEARTBEAT_KEEP = timedelta(days=30)


def start_heartbeat(ctx: JobContext) -> int:
    """Write this daemon's heartbeat row; returns its id."""
    now = utcnow()
    with ctx.sessions() as session, session.begin():
        beat = DaemonHeartbeat(host=socket.gethostname(), pid=os.getpid(), started_at=now,
                               beat_at=now)
        session.add(beat)
        session.flush()
        ctx.heartbeat_id = beat.id
    return beat.id


def beat(ctx: JobContext) -> None:
    """Renew the heartbeat (re-created if someone deleted the row)."""
    with ctx.sessions() as session, session.begin():
        updated = session.execute(
            sa.update(DaemonHeartbeat)
            .where(DaemonHeartbeat.id == ctx.heartbeat_id, DaemonHeartbeat.stopped_at.is_(None))
            .values(beat_at=utcnow())
        ).rowcount
    if not updated:
        start_heartbeat(ctx)


def stop_heartbeat(ctx: JobContext) -> None:
    if ctx.heartbeat_id is None:
        return
    now = utcnow()
    with ctx.sessions() as session, session.begin():
        session.execute(
            sa.update(DaemonHeartbeat)
            .where(DaemonHeartbeat.id == ctx.heartbeat_id)
            .values(beat_at=now, stopped_at=now)
        )


def clean(ctx: JobContext) -> dict[str, int]:
    """Delete expired leases, mark dead runs interrupted, prune old heartbeat rows."""
    now = utcnow()
    with ctx.sessions() as session, session.begin():
        leases = session.execute(sa.delete(SyncLease).where(SyncLease.expires_at < now)).rowcount
        live = sa.select(SyncLease.name).where(SyncLease.expires_at >= now)
        runs = session.execute(
            sa.update(SyncRun)
            .where(
                SyncRun.status == "running",
                # A run is alive only while its connector's lease is held.
                (sa.literal("sync:", sa.String) + SyncRun.connector).not_in(live),
            )
            .values(status="interrupted", finished_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        beats = session.execute(
            sa.delete(DaemonHeartbeat).where(DaemonHeartbeat.beat_at < now - HEARTBEAT_KEEP)
        ).rowcount
    counts = {"expired_leases": leases, "interrupted_runs": runs, "old_heartbeats": beats}
    if any(counts.values()):
        log.info("housekeeping: %s", counts, extra={"ctx_counts": counts})
    return counts


def release_own_leases(ctx: JobContext) -> int:
    """Drop every lease this process still holds (the last step of a shutdown)."""
    with ctx.sessions() as session, session.begin():
        return session.execute(
            sa.delete(SyncLease).where(SyncLease.holder.startswith(ctx.holder_prefix,
                                                                    autoescape=True))
        ).rowcount
