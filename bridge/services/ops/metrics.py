"""What the daemon's metrics report about the register, read afresh at every scrape so
the numbers agree with `bridge status` and with every other daemon on the register.

Only figures here; turning them into Prometheus families is the daemon's business.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.clock import utcnow
from bridge.services.status import collect_status
from bridge.services.sync.state import load_bookmarks
from bridge.settings import Settings
from bridge.store.models import OutboxCommand, SubjectRequest, SyncRun

#: Suspend pushes finished within this window make up the revocation latency summary.
LATENCY_WINDOW = timedelta(hours=24)
#: Recent runs per connector searched for each stream's last run.
RECENT_RUNS = 200
#: The quantiles of the revocation latency summary.
QUANTILES = ("0.5", "0.95", "1")


@dataclass(frozen=True)
class StreamRun:
    """A stream in the last finished run that included it."""

    connector: str
    stream: str
    at: datetime
    status: str
    fetched: int


@dataclass(frozen=True)
class Latency:
    """Withdrawal to verified suspension, in seconds, of the window's suspend pushes."""

    quantiles: dict[str, float]
    total: float
    count: int


@dataclass(frozen=True)
class RegisterFigures:
    last_runs: list[StreamRun]
    #: Per (connector, stream) enabled in the settings, when it last completed.
    last_completed: dict[tuple[str, str], datetime | None]
    #: ``pending``, ``failed`` and ``oldest_pending_age_s`` as `bridge status` has them.
    push: dict[str, Any]
    revocation_latency: Latency
    #: Open requests: ``open``, ``overdue`` and ``due_soon`` (within daemon.reminder_days).
    requests: dict[str, int]
    #: Per configured connector, pushes held back by open alarms and the people (LMS
    #: accounts) who keep access because of them.
    blocked: dict[str, tuple[int, int]]


def register_figures(settings: Settings, session: Session) -> RegisterFigures:
    status = collect_status(settings, session)
    last_runs: list[StreamRun] = []
    last_completed: dict[tuple[str, str], datetime | None] = {}
    for connector, section in settings.connectors.items():
        last_runs += _last_runs(session, connector)
        marks = load_bookmarks(session, connector)
        for stream in section.streams:
            mark = marks.get(stream)
            last_completed[connector, stream] = mark.last_completed_at if mark else None
    return RegisterFigures(
        last_runs=last_runs,
        last_completed=last_completed,
        push=status["push"],
        revocation_latency=revocation_latency(session),
        requests={
            **status["requests"],
            "due_soon": _due_soon(session, settings.daemon.reminder_days),
        },
        blocked=_blocked(settings, status["push"]["alarms"]),
    )


def _blocked(settings: Settings, alarms: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    blocked = {name: (0, 0) for name in settings.connectors}
    for alarm in alarms:
        pushes, people = blocked.get(alarm["connector"], (0, 0))
        blocked[alarm["connector"]] = (pushes + alarm["pushes"], people + alarm["people"])
    return blocked


def _last_runs(session: Session, connector: str) -> list[StreamRun]:
    found: dict[str, StreamRun] = {}
    runs = session.scalars(
        sa.select(SyncRun)
        .where(SyncRun.connector == connector, SyncRun.status != "running")
        .order_by(SyncRun.id.desc())
        .limit(RECENT_RUNS)
    )
    for run in runs:
        for stream, stats in (run.streams or {}).items():
            if stream in found or not isinstance(stats, dict):
                continue
            found[stream] = StreamRun(
                connector, stream, run.finished_at or run.started_at,
                str(stats.get("status", "unknown")), int(stats.get("fetched") or 0),
            )
    return list(found.values())


def revocation_latency(session: Session) -> Latency:
    """``done_at - created_at`` of suspend pushes done within :data:`LATENCY_WINDOW`."""
    rows = session.execute(
        sa.select(OutboxCommand.created_at, OutboxCommand.done_at).where(
            OutboxCommand.action == "suspend",
            OutboxCommand.state == "done",
            OutboxCommand.done_at >= utcnow() - LATENCY_WINDOW,
        )
    ).all()
    values = sorted(max(0.0, (done - created).total_seconds()) for created, done in rows)
    return Latency({q: _quantile(values, float(q)) for q in QUANTILES}, sum(values), len(values))


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def _due_soon(session: Session, within_days: int) -> int:
    today = utcnow().date()
    deadline = sa.func.coalesce(SubjectRequest.extended_deadline, SubjectRequest.deadline)
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(SubjectRequest)
        .where(
            SubjectRequest.status == "open",
            deadline >= today,
            deadline <= today + timedelta(days=within_days),
        )
    ) or 0
