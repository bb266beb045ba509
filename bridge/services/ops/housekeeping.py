"""The register's own bookkeeping: expired leases, runs left "running" by a process that
died, old heartbeat rows, and the leases of a process that is shutting down.

Everything here is idempotent, so several daemons on one register may run it at once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import utcnow
from bridge.services.audit import Actor
from bridge.services.sync.dead_runs import mark_dead_runs_interrupted
from bridge.store.models import DaemonHeartbeat, SyncLease

log = logging.getLogger(__name__)

#: Heartbeat rows of daemons stopped (or silent) longer than this are deleted.
HEARTBEAT_KEEP = timedelta(days=30)


def clean(sessions: sessionmaker[Session], actor: Actor) -> dict[str, int]:
    """Delete expired leases, mark dead runs interrupted (each with an audit row of what it
    had written, as the sync engine does), prune old heartbeat rows."""
    now = utcnow()
    with sessions() as session, session.begin():
        leases = session.execute(sa.delete(SyncLease).where(SyncLease.expires_at < now)).rowcount
        runs = mark_dead_runs_interrupted(session, now, actor=actor)
        beats = session.execute(
            sa.delete(DaemonHeartbeat).where(DaemonHeartbeat.beat_at < now - HEARTBEAT_KEEP)
        ).rowcount
    counts = {"expired_leases": leases, "interrupted_runs": runs, "old_heartbeats": beats}
    if any(counts.values()):
        log.info("housekeeping: %s", counts, extra={"ctx_counts": counts})
    return counts


def release_leases_of(sessions: sessionmaker[Session], holder_prefix: str) -> int:
    """Drop every lease whose holder starts with ``holder_prefix`` (one process's leases:
    the last step of its shutdown); returns how many."""
    with sessions() as session, session.begin():
        return session.execute(
            sa.delete(SyncLease).where(SyncLease.holder.startswith(holder_prefix,
                                                                    autoescape=True))
        ).rowcount
