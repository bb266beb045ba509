"""`bridge status`: where each connector, stream, queue and the daemon stand (CONTRACTS 3).

The JSON shape is stable: every part is present, ``null`` when there is nothing to say.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.clock import utcnow
from bridge.services.leases import current_lease
from bridge.services.push.alarms import open_alarms
from bridge.services.sync.state import load_bookmarks, next_due
from bridge.settings import Settings
from bridge.store.models import (
    DaemonHeartbeat,
    ErasureRecord,
    OutboxCommand,
    QuarantinedRecord,
    SubjectRequest,
    SyncRun,
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _age(value: datetime | None, now: datetime) -> float | None:
    return round((now - value).total_seconds(), 1) if value else None


def collect_status(settings: Settings, session: Session) -> dict[str, Any]:
    now = utcnow()
    connectors = {
        name: _connector_status(settings, session, name, now) for name in settings.connectors
    }
    return {
        "connectors": connectors,
        "push": _push_status(session, now) | {
            "alarms": [alarm.as_dict() for alarm in open_alarms(settings, session)],
            "overdue": overdue_waits(settings, session, now),
            "late": late_pushes(settings, session, now),
        },
        "requests": _request_status(session, now.date()),
        "daemon": _daemon_status(settings, session, now),
        "erasures": _erasure_status(session, now),
    }


def _connector_status(
    settings: Settings, session: Session, name: str, now: datetime
) -> dict[str, Any]:
    section = settings.connectors[name]
    run = session.scalars(
        sa.select(SyncRun).where(SyncRun.connector == name).order_by(SyncRun.id.desc()).limit(1)
    ).first()
    last_run = None
    if run is not None:
        duration = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
        last_run = {
            "id": run.id,
            "status": run.status,
            "started_at": _iso(run.started_at),
            "finished_at": _iso(run.finished_at),
            "duration_s": round(duration, 3) if duration is not None else None,
            "streams": run.streams,
        }
    marks = load_bookmarks(session, name)
    listings = _last_listings(session, name, section.streams)
    streams = {}
    for stream in section.streams:
        mark = marks.get(stream)
        completed = mark.last_completed_at if mark else None
        due = next_due(section.schedule[stream], completed)
        streams[stream] = {
            "bookmark": mark.bookmark if mark else None,
            "age_s": _age(completed, now),
            "due_at": _iso(due or now),
            "reconciled_at": _iso(mark.last_reconciled_at if mark else None),
            "listing": listings.get(stream),
        }
    lease = current_lease(session, f"sync:{name}")
    quarantined = session.scalar(
        sa.select(sa.func.count())
        .select_from(QuarantinedRecord)
        .where(QuarantinedRecord.connector == name, QuarantinedRecord.resolved_at.is_(None))
    )
    return {
        "last_run": last_run,
        "streams": streams,
        "lease": {"holder": lease.holder, "expires_at": _iso(lease.expires_at)} if lease else None,
        "quarantined": quarantined or 0,
        "push": _connector_push(session, name),
    }


def _connector_push(session: Session, name: str) -> dict[str, Any]:
    """One connector's pushes: queued, failed, and carried out and verified by read-back,
    so that a withdrawal reaching several LMSs shows where it holds and where it waits."""
    rows = session.execute(
        sa.select(OutboxCommand.state, sa.func.count())
        .where(OutboxCommand.connector == name)
        .group_by(OutboxCommand.state)
    )
    states: dict[str, int] = {state: count for state, count in rows}
    verified = session.execute(
        sa.select(sa.func.count(), sa.func.max(OutboxCommand.verified_at)).where(
            OutboxCommand.connector == name, OutboxCommand.verified_at.is_not(None)
        )
    ).one()
    return {
        "pending": sum(states.get(s, 0) for s in ("pending", "in_progress", "waiting")),
        "failed": states.get("failed", 0),
        "verified": verified[0] or 0,
        "last_verified_at": _iso(verified[1]),
    }


#: How many recent runs are searched for each stream's last reconciliation.
_RECENT_RUNS = 200


def _last_listings(
    session: Session, connector: str, streams: list[str]
) -> dict[str, dict[str, Any]]:
    """Per stream, how its last reconciliation's listing ended (``complete``,
    ``incomplete``: marks left as they were, ``withheld``: the safety valve), from the run
    rows (no extra table): ``{"state", "run_id", "note"}``."""
    found: dict[str, dict[str, Any]] = {}
    runs = session.execute(
        sa.select(SyncRun.id, SyncRun.streams)
        .where(SyncRun.connector == connector)
        .order_by(SyncRun.id.desc())
        .limit(_RECENT_RUNS)
    )
    for run_id, run_streams in runs:
        for stream, stats in (run_streams or {}).items():
            state = stats.get("listing") if isinstance(stats, dict) else None
            if stream in streams and stream not in found and state:
                found[stream] = {"state": state, "run_id": run_id, "note": stats.get("note")}
        if len(found) == len(streams):
            break
    return found


def _push_status(session: Session, now: datetime) -> dict[str, Any]:
    def count(*states: str) -> int:
        return (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(OutboxCommand)
                .where(OutboxCommand.state.in_(states))
            )
            or 0
        )

    oldest = session.scalar(
        sa.select(sa.func.min(OutboxCommand.created_at)).where(
            OutboxCommand.state.in_(("pending", "in_progress", "waiting"))
        )
    )
    return {
        "pending": count("pending", "in_progress", "waiting"),
        "failed": count("failed"),
        "oldest_pending_age_s": _age(oldest, now),
    }


def _request_status(session: Session, today: date) -> dict[str, int]:
    open_requests = (
        sa.select(sa.func.count())
        .select_from(SubjectRequest)
        .where(SubjectRequest.status == "open")
    )
    overdue = open_requests.where(
        sa.func.coalesce(SubjectRequest.extended_deadline, SubjectRequest.deadline) < today
    )
    return {"open": session.scalar(open_requests) or 0, "overdue": session.scalar(overdue) or 0}


#: Confirmations this recent are counted in ``erasures.recently_confirmed``.
RECENTLY = timedelta(days=7)
#: At most this many unacknowledged confirmations are listed (the count says the rest).
LISTED = 50


def _erasure_status(session: Session, now: datetime) -> dict[str, Any] | None:
    """Erasures whose LMS part awaits the read-back, and confirmed ones the privacy officer
    has not yet taken on (by issuing the receipt or closing the request); ``None`` when the
    register has recorded no erasure."""
    def count(*where: Any) -> int:
        query = sa.select(sa.func.count()).select_from(ErasureRecord).where(*where)
        return session.scalar(query) or 0

    if not count():
        return None
    confirmed = ErasureRecord.confirmed_at.is_not(None)
    unacknowledged = sa.and_(confirmed, ErasureRecord.acknowledged_at.is_(None))
    listed = session.scalars(
        sa.select(ErasureRecord)
        .where(unacknowledged)
        .order_by(ErasureRecord.confirmed_at, ErasureRecord.id)
        .limit(LISTED)
    )
    return {
        "awaiting_confirmation": count(ErasureRecord.confirmed_at.is_(None)),
        "recently_confirmed": count(ErasureRecord.confirmed_at >= now - RECENTLY),
        "unacknowledged": count(unacknowledged),
        "confirmed": [
            {"person_id": r.person_id, "request_id": r.request_id,
             "confirmed_at": _iso(r.confirmed_at)}
            for r in listed
        ],
    }


def overdue_waits(settings: Settings, session: Session, now: datetime) -> list[dict[str, Any]]:
    """Pushes waiting on the LMS (a privacy request awaiting approval or cron) for longer
    than ``daemon.lms_request_overdue``: something in the LMS needs a person's attention."""
    limit = settings.daemon.lms_request_overdue
    rows = session.scalars(
        sa.select(OutboxCommand)
        .where(OutboxCommand.state == "waiting", OutboxCommand.created_at < now - limit)
        .order_by(OutboxCommand.created_at)
    )
    return [
        {
            "id": c.id,
            "connector": c.connector,
            "lms_request_id": c.lms_request_id,
            "waiting_s": _age(c.created_at, now),
            "note": c.last_error,
        }
        for c in rows
    ]


def late_pushes(settings: Settings, session: Session, now: datetime) -> list[dict[str, Any]]:
    """Pushes still queued (pending or being tried) longer than ``daemon.push_overdue``:
    no worker ran them (no daemon) or the LMS kept failing them (unreachable)."""
    limit = settings.daemon.push_overdue
    rows = session.scalars(
        sa.select(OutboxCommand)
        .where(
            OutboxCommand.state.in_(("pending", "in_progress")),
            OutboxCommand.created_at < now - limit,
        )
        .order_by(OutboxCommand.created_at)
    )
    return [
        {"id": c.id, "connector": c.connector, "action": c.action,
         "queued_s": _age(c.created_at, now), "note": c.last_error}
        for c in rows
    ]


def problems(status: dict[str, Any]) -> list[str]:
    """What makes `bridge status --check` fail: open alarms and overdue pushes, a line each."""
    lines = [f"alarm: {alarm['pushes']} push(es) in {alarm['connector']} held back: "
             f"{alarm['fix']}" for alarm in status["push"]["alarms"]]
    lines += [f"overdue: push {w['id']} in {w['connector']} waits on the LMS"
              for w in status["push"]["overdue"]]
    lines += [f"overdue: push {p['id']} ({p['action']}) in {p['connector']} still queued"
              for p in status["push"]["late"]]
    return lines


def daemon_alive(settings: Settings, session: Session) -> bool:
    """Whether a daemon's heartbeat is fresh, i.e. its push worker will pick up new pushes."""
    daemon = _daemon_status(settings, session, utcnow())
    return bool(daemon and daemon["alive"])


def _daemon_status(settings: Settings, session: Session, now: datetime) -> dict[str, Any] | None:
    beat = session.scalars(
        sa.select(DaemonHeartbeat).order_by(DaemonHeartbeat.beat_at.desc()).limit(1)
    ).first()
    if beat is None:
        return None
    stale_after = settings.daemon.heartbeat_interval * 3 + timedelta(seconds=5)
    alive = beat.stopped_at is None and now - beat.beat_at <= stale_after
    # A daemon that stopped cleanly marked its row; one that stopped beating without doing
    # so crashed or hangs, which is what "stale" warns about.
    state = "running" if alive else "stopped" if beat.stopped_at is not None else "stale"
    return {"alive": alive, "heartbeat_at": _iso(beat.beat_at), "state": state}
