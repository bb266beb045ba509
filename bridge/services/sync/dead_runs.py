"""Runs left ``running`` by a process that died, marked ``interrupted`` so that
`bridge status` and the metrics tell the truth.

A sync run is alive only while its connector's lease ``sync:<connector>`` is held. Two
callers know a run is dead: the engine, which has just taken the lease (so every other
``running`` run of its connector belongs to a process that is gone), and the daemon's
housekeeping, which looks for runs whose connector's lease is not held at all.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.registry.models import SyncLease, SyncRun


def mark_dead_runs_interrupted(
    session: Session, now: datetime, *, connector: str | None = None
) -> int:
    """Mark dead runs ``interrupted`` (finished at ``now``); returns how many.

    With ``connector``, the caller holds that connector's lease: all its running runs are
    dead. Without, a run is dead when no live lease ``sync:<its connector>`` exists.
    """
    statement = sa.update(SyncRun).where(SyncRun.status == "running")
    if connector is not None:
        statement = statement.where(SyncRun.connector == connector)
    else:
        live = sa.select(SyncLease.name).where(SyncLease.expires_at >= now)
        statement = statement.where(
            (sa.literal("sync:", sa.String) + SyncRun.connector).not_in(live)
        )
    return session.execute(
        statement.values(status="interrupted", finished_at=now).execution_options(
            synchronize_session=False
        )
    ).rowcount
