"""A daemon's heartbeat row in ``daemon_heartbeats``: `bridge status` calls the daemon
alive while the row is renewed and not marked stopped.

Each beat also logs the audit chain's anchored head (issue "Trustworthy evidence"), so a
log shipped off the host keeps a copy of it that an attacker on the host cannot rewrite."""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import utcnow
from bridge.services.audit.anchor import anchor_path, read_anchor
from bridge.store.models import DaemonHeartbeat

log = logging.getLogger(__name__)


def start_heartbeat(sessions: sessionmaker[Session]) -> int:
    """Write a heartbeat row for this process; returns its id."""
    now = utcnow()
    with sessions() as session, session.begin():
        row = DaemonHeartbeat(host=socket.gethostname(), pid=os.getpid(), started_at=now,
                              beat_at=now)
        session.add(row)
        session.flush()
        return row.id


def beat(sessions: sessionmaker[Session], heartbeat_id: int | None, secret_file: Path) -> int:
    """Renew the row (re-created if someone deleted or stopped it) and log the audit
    anchor beside ``secret_file``. Returns the row's id."""
    head = read_anchor(anchor_path(secret_file))
    seq, mac = (head.seq, head.mac) if head else (0, None)
    log.info(
        "heartbeat: audit anchor seq %s mac %s",
        seq,
        mac or "-",
        extra={"ctx_audit_seq": seq, "ctx_audit_mac": mac},
    )
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
