"""Housekeeping marks a run whose process died ``interrupted`` and audits what it had
written, as the sync engine does when it takes the lease over: a process that changed the
register leaves no gap in the trail, whichever of the two finds it dead."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import utcnow
from bridge.services.audit import Actor
from bridge.services.audit.identity import DAEMON
from bridge.services.ops.housekeeping import clean
from bridge.store.models import AuditEntry, SyncLease, SyncRun


def test_a_dead_run_is_marked_interrupted_and_audited(sessions: sessionmaker[Session]) -> None:
    now = utcnow()
    with sessions() as session, session.begin():
        session.add_all([
            SyncRun(connector="moodle", trigger="daemon", started_at=now - timedelta(minutes=5),
                    streams={"users": {"fetched": 40, "created": 12, "status": "running"}}),
            SyncRun(connector="other", started_at=now),  # alive: its lease is held
            SyncLease(name="sync:other", holder="host:1", acquired_at=now,
                      expires_at=now + timedelta(minutes=2)),
        ])

    counts = clean(sessions, Actor(DAEMON, "operator"))

    assert counts["interrupted_runs"] == 1
    with sessions() as session:
        runs = dict(session.execute(sa.select(SyncRun.connector, SyncRun.status)).all())
        [entry] = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "sync interrupted"))
    assert runs == {"moodle": "interrupted", "other": "running"}
    assert entry.operator == DAEMON and entry.outcome == "failed"
    assert entry.details is not None
    assert entry.details["connector"] == "moodle"
    assert entry.details["streams"]["users"]["created"] == 12
