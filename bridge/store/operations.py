"""Bookkeeping of the sync and the push-back: runs, bookmarks, leases, quarantine, outbox,
daemon heartbeat. These rows are not personal data; they describe work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bridge.clock import utcnow
from bridge.store.base import Base

RUN_STATUSES = ("running", "ok", "partial", "failed", "interrupted")
OUTBOX_STATES = ("pending", "in_progress", "waiting", "done", "failed")


class SyncRun(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (sa.Index("ix_sync_runs_connector_started", "connector", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connector: Mapped[str] = mapped_column(sa.String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(sa.String(20), default="running")
    trigger: Mapped[str] = mapped_column(sa.String(20), default="manual")
    operator: Mapped[str | None] = mapped_column(sa.String(100))
    streams: Mapped[dict[str, Any]] = mapped_column(default=dict)
    requests: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)


class SyncBookmark(Base):
    """Where a stream stands: a server value taken from the data, never the bridge's clock."""

    __tablename__ = "sync_bookmarks"
    __table_args__ = (sa.UniqueConstraint("connector", "stream"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connector: Mapped[str] = mapped_column(sa.String(64))
    stream: Mapped[str] = mapped_column(sa.String(40))
    bookmark: Mapped[dict[str, Any] | None]
    run_id: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_completed_at: Mapped[datetime | None]
    last_reconciled_at: Mapped[datetime | None]


class SyncLease(Base):
    """One sync per connector at a time, across processes and hosts."""

    __tablename__ = "sync_leases"

    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(200))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class QuarantinedRecord(Base):
    """An LMS record that failed validation, kept with its reason (token-free payload)."""

    __tablename__ = "quarantine"
    __table_args__ = (sa.Index("ix_quarantine_connector_stream", "connector", "stream"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sync_runs.id"))
    connector: Mapped[str] = mapped_column(sa.String(64))
    stream: Mapped[str] = mapped_column(sa.String(40))
    lms_id: Mapped[str | None] = mapped_column(sa.String(100))
    reason: Mapped[str] = mapped_column(sa.Text)
    payload: Mapped[dict[str, Any]]
    payload_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class OutboxCommand(Base):
    """A change the LMS must make, written in the same transaction as the register change."""

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_state_next_attempt", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connector: Mapped[str] = mapped_column(sa.String(64))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    lms_user_id: Mapped[int] = mapped_column(sa.BigInteger)
    action: Mapped[str] = mapped_column(sa.String(30))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(sa.String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(200))
    claimed_until: Mapped[datetime | None]
    lms_request_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subject_requests.id"))
    operator: Mapped[str | None] = mapped_column(sa.String(100))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    #: A failed command held back by an alarm: it runs again when the alarm clears.
    alarm_id: Mapped[int | None] = mapped_column(index=True)


class PushAlarm(Base):
    """One episode of pushes held back because the LMS refused the bridge itself (token,
    permission, function: ``cause``), from the first such failure until a check or a sync
    proves the cause fixed. Logged and mailed once per episode."""

    __tablename__ = "push_alarms"

    id: Mapped[int] = mapped_column(primary_key=True)
    connector: Mapped[str] = mapped_column(sa.String(64), index=True)
    cause: Mapped[str] = mapped_column(sa.String(30))
    #: The first refusal as the connector described it (with its fix; never the token).
    detail: Mapped[str] = mapped_column(sa.Text)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    logged_at: Mapped[datetime | None]
    mailed_at: Mapped[datetime | None]
    cleared_at: Mapped[datetime | None]


class DaemonHeartbeat(Base):
    __tablename__ = "daemon_heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(sa.String(200))
    pid: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow)
    stopped_at: Mapped[datetime | None]


class SyncSeenKey(Base):
    """Scratch list of the keys a reconciliation pass saw, for set-based marking.

    Kept in the register rather than in memory so that a pass over 100,000 learners
    runs in flat memory; rows are deleted when the pass ends.
    """

    __tablename__ = "sync_seen_keys"
    __table_args__ = (sa.Index("ix_sync_seen_keys_lookup", "run_id", "table_name", "k1", "k2"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int]
    table_name: Mapped[str] = mapped_column(sa.String(60))
    k1: Mapped[int] = mapped_column(sa.BigInteger)
    k2: Mapped[int] = mapped_column(sa.BigInteger, default=0)
