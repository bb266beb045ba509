"""Runs left ``running`` by a process that died, marked ``interrupted`` so that
`bridge status` and the metrics tell the truth.

A sync run is alive only while its connector's lease ``sync:<connector>`` is held. Two
callers know a run is dead: the engine, which has just taken the lease (so every other
``running`` run of its connector belongs to a process that is gone), and the daemon's
housekeeping, which looks for runs whose connector's lease is not held at all.

A killed run wrote data before it died (each batch commits on its own, with the run's
counts so far in its row), so both callers audit what each dead run had written: the
trail must not show a gap where a process changed the register.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.services import audit
from bridge.services.audit import Actor
from bridge.store.models import SyncLease, SyncRun

#: The counts of a stream that say what a run wrote.
WRITE_COUNTS = ("fetched", "created", "updated", "unchanged", "removed", "quarantined")


def mark_dead_runs_interrupted(
    session: Session, now: datetime, *, connector: str | None = None, actor: Actor | None = None
) -> int:
    """Mark dead runs ``interrupted`` (finished at ``now``); returns how many.

    With ``connector``, the caller holds that connector's lease: all its running runs are
    dead. Without, a run is dead when no live lease ``sync:<its connector>`` exists. With
    ``actor``, one audit row per dead run records what it had written.
    """
    statement = sa.select(SyncRun).where(SyncRun.status == "running")
    if connector is not None:
        statement = statement.where(SyncRun.connector == connector)
    else:
        live = sa.select(SyncLease.name).where(SyncLease.expires_at >= now)
        statement = statement.where(
            (sa.literal("sync:", sa.String) + SyncRun.connector).not_in(live)
        )
    dead = list(session.scalars(statement.with_for_update()))
    for run in dead:
        run.status, run.finished_at = "interrupted", now
        if actor is not None:
            audit.record(
                session, actor, "sync interrupted", details=_written(run), outcome="failed"
            )
    session.flush()
    return len(dead)


def _written(run: SyncRun) -> dict[str, object]:
    streams = run.streams or {}
    return {
        "connector": run.connector,
        "run_id": run.id,
        "trigger": run.trigger,
        "operator": run.operator,
        "started_at": run.started_at.isoformat(),
        "streams": {
            name: {k: stats.get(k, 0) for k in WRITE_COUNTS}
            for name, stats in streams.items()
            if isinstance(stats, dict)
        },
    }
