"""A daemon's heartbeat row in ``daemon_heartbeats``: `bridge status` calls the daemon
alive while the row is renewed and not marked stopped."""

from __future__ import annotations

import os
import socket

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.registry.base import utcnow
from bridge.registry.models import DaemonHeartbeat


def start_heartbeat(sessions: sessionmaker[Session]) -> int:
    """Write a heartbeat row for this process; returns its id."""
    now = utcnow()
    with sessions() as session, session.begin():
        row = DaemonHeartbeat(host=socket.gethostname(), pid=os.getpid(), started_at=now,
                              beat_at=now)
        session.add(row)
        session.flush()
        return row.id


def beat(sessions: sessionmaker[Session], heartbeat_id: int | None) -> int:
    """Renew the row; re-create it if someone deleted (or stopped) it. Returns the row's id."""
    with sessions() as session, session.begin():
        updated = session.execute(
            sa.update(DaemonHeartbeat)
            .where(DaemonHeartbeat.id == heartbeat_id, DaemonHeartbeat.stopped_at.is_(None))
            .values(beat_at=utcnow())
        ).rowcount
    if updated:
        assert heartbeat_id is not None
        return heartbeat_id
    return start_heartbeat(sessions)


def stop_heartbeat(sessions: sessionmaker[Session], heartbeat_id: int) -> None:
    """Mark the row stopped, so `bridge status` says so at once rather than after 3 beats."""
    now = utcnow()
    with sessions() as session, session.begin():
        session.execute(
            sa.update(DaemonHeartbeat)
            .where(DaemonHeartbeat.id == heartbeat_id)
            .values(beat_at=now, stopped_at=now)
        )
