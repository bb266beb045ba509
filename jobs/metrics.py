"""Prometheus text metrics of the daemon on ``127.0.0.1:<daemon.metrics_port>/metrics``.

Written by hand in the text exposition format 0.0.4 (no client library): each scrape
reads the register afresh (so the numbers agree with `bridge status` and with other
daemons) and adds this process's job counters. Loopback only: put a reverse proxy or
the Prometheus agent on the same host to collect it.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.registry.base import utcnow
from bridge.registry.models import OutboxCommand, SubjectRequest, SyncRun
from bridge.services.status import collect_status
from bridge.services.sync.state import load_bookmarks
from jobs.context import JobContext

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: Suspend pushes finished within this window make up the revocation latency summary.
LATENCY_WINDOW = timedelta(hours=24)
#: Recent runs per connector searched for each stream's last run.
RECENT_RUNS = 200

Labels = dict[str, str]


class Family:
    """One metric family: its HELP and TYPE lines and its samples."""

    def __init__(self, name: str, kind: str, help_text: str) -> None:
        self.name, self.kind, self.help = name, kind, help_text
        self.samples: list[tuple[str, Labels, float]] = []

    def add(self, value: float, suffix: str = "", **labels: str) -> Family:
        self.samples.append((self.name + suffix, labels, float(value)))
        return self

    def lines(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} {self.kind}"
        for name, labels, value in self.samples:
            yield f"{name}{_labels(labels)} {_number(value)}"


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    body = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    return "{" + body + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def _ts(value: datetime | None) -> float:
    return value.timestamp() if value else 0.0


def render(ctx: JobContext) -> str:
    """The whole exposition, one scrape."""
    with ctx.sessions() as session:
        status = collect_status(ctx.settings, session)
        families = [
            Family("bridge_daemon_up", "gauge", "1 while this daemon runs.").add(1),
            *_sync_families(ctx, session),
            *_push_families(session, status["push"]),
            *_request_families(ctx, session),
        ]
    families += _job_families(ctx)
    return "\n".join(line for family in families for line in family.lines()) + "\n"


def _sync_families(ctx: JobContext, session: Session) -> list[Family]:
    last_run = Family(
        "bridge_sync_stream_last_run_timestamp_seconds", "gauge",
        "When the last run that included the stream finished (Unix time).",
    )
    status = Family(
        "bridge_sync_stream_last_status", "gauge",
        "Status of the stream in its last run: 1 on the series of that status.",
    )
    records = Family(
        "bridge_sync_stream_last_run_records", "gauge",
        "Records fetched for the stream in its last run.",
    )
    completed = Family(
        "bridge_sync_stream_last_success_timestamp_seconds", "gauge",
        "When the stream last completed (Unix time; 0 = never).",
    )
    synced = Family(
        "bridge_sync_records", "counter",
        "Records fetched by this daemon's syncs since it started.",
    )
    for connector, section in ctx.settings.connectors.items():
        seen: set[str] = set()
        runs = session.scalars(
            sa.select(SyncRun)
            .where(SyncRun.connector == connector, SyncRun.status != "running")
            .order_by(SyncRun.id.desc())
            .limit(RECENT_RUNS)
        )
        for run in runs:
            for stream, stats in (run.streams or {}).items():
                if stream in seen or not isinstance(stats, dict):
                    continue
                seen.add(stream)
                labels = {"connector": connector, "stream": stream}
                last_run.add(_ts(run.finished_at or run.started_at), **labels)
                status.add(1, **labels, status=str(stats.get("status", "unknown")))
                records.add(int(stats.get("fetched") or 0), **labels)
        marks = load_bookmarks(session, connector)
        for stream in section.streams:
            mark = marks.get(stream)
            completed.add(
                _ts(mark.last_completed_at if mark else None), connector=connector, stream=stream
            )
    for (connector, stream), count in sorted(ctx.records_synced.items()):
        synced.add(count, "_total", connector=connector, stream=stream)
    return [last_run, status, records, completed, synced]


def _push_families(session: Session, push: dict[str, Any]) -> list[Family]:
    pending = Family("bridge_push_pending", "gauge", "Push commands not yet done.")
    failed = Family("bridge_push_failed", "gauge", "Push commands failed (retry by hand).")
    oldest = Family("bridge_push_oldest_pending_age_seconds", "gauge",
                    "Age of the oldest open push command (0 when none).")
    pending.add(push["pending"])
    failed.add(push["failed"])
    oldest.add(push["oldest_pending_age_s"] or 0)
    latency = Family(
        "bridge_revocation_latency_seconds", "summary",
        "Withdrawal to verified suspension in the LMS (done_at - created_at) of suspend "
        f"pushes done in the last {int(LATENCY_WINDOW.total_seconds() // 3600)} h.",
    )
    rows = session.execute(
        sa.select(OutboxCommand.created_at, OutboxCommand.done_at).where(
            OutboxCommand.action == "suspend",
            OutboxCommand.state == "done",
            OutboxCommand.done_at >= utcnow() - LATENCY_WINDOW,
        )
    ).all()
    values = sorted(max(0.0, (done - created).total_seconds()) for created, done in rows)
    for q in ("0.5", "0.95", "1"):
        latency.add(_quantile(values, float(q)), quantile=q)
    latency.add(sum(values), "_sum")
    latency.add(len(values), "_count")
    return [pending, failed, oldest, latency]


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def _request_families(ctx: JobContext, session: Session) -> list[Family]:
    today = utcnow().date()
    deadline = sa.func.coalesce(SubjectRequest.extended_deadline, SubjectRequest.deadline)
    open_requests = sa.select(sa.func.count()).select_from(SubjectRequest).where(
        SubjectRequest.status == "open"
    )
    soon = today + timedelta(days=ctx.settings.daemon.reminder_days)
    counts = {
        "open": session.scalar(open_requests) or 0,
        "overdue": session.scalar(open_requests.where(deadline < today)) or 0,
        "due_soon": session.scalar(
            open_requests.where(deadline >= today, deadline <= soon)
        ) or 0,
    }
    family = Family(
        "bridge_requests", "gauge",
        "Open data-subject requests: all, overdue, and due within daemon.reminder_days.",
    )
    for state, count in counts.items():
        family.add(count, state=state)
    return [family]


def _job_families(ctx: JobContext) -> list[Family]:
    runs = Family("bridge_job_runs", "counter", "Runs of each daemon job since it started.")
    failures = Family("bridge_job_failures", "counter", "Failed runs of each daemon job.")
    last = Family("bridge_job_last_run_timestamp_seconds", "gauge",
                  "When the job last finished (Unix time; 0 = not yet).")
    status = Family("bridge_job_last_status", "gauge",
                    "Outcome of the job's last run: 1 on the series of that status.")
    for job_id, record in sorted(ctx.records.items()):
        runs.add(record.runs, "_total", job=job_id)
        failures.add(record.failures, "_total", job=job_id)
        last.add(_ts(record.last_finished_at), job=job_id)
        status.add(1, job=job_id, status=record.last_status)
    return [runs, failures, last, status]


class MetricsServer:
    """Serves :func:`render` on the loopback interface from a background thread."""

    def __init__(self, ctx: JobContext, port: int) -> None:
        self.ctx = ctx
        handler = type("Handler", (_Handler,), {"ctx": ctx})
        self.server = ThreadingHTTPServer((LOOPBACK, port), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="metrics", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/metrics"

    def start(self) -> MetricsServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    ctx: JobContext

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] != "/metrics":
            self._send(404, "not found: try /metrics\n")
            return
        try:
            body = render(self.ctx)
        except Exception as exc:  # a scrape must not take the daemon down; say why
            log.error("metrics scrape failed: %s: %s", type(exc).__name__, exc,
                      extra={"ctx_error_type": type(exc).__name__})
            self._send(500, f"metrics unavailable: {type(exc).__name__}\n")
            return
        self._send(200, body)

    def _send(self, status: int, body: str) -> None:
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes are not logged: one line every 15 s helps nobody."""
