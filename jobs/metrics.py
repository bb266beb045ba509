"""The daemon's Prometheus metrics, served by ``prometheus_client`` on
``127.0.0.1:<daemon.metrics_port>/metrics``.

A custom collector reads the register at every scrape (so the numbers agree with
`bridge status` and with other daemons) and adds this process's job counters; nothing is
kept in global metric objects. Loopback only: put a reverse proxy or the Prometheus agent
on the same host to collect it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.registry import Collector

from bridge.services.ops.metrics import LATENCY_WINDOW, RegisterFigures, register_figures
from jobs.context import JobContext

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
#: Label names in sorted order: the exposition keeps the order given.
STREAM = ["connector", "stream"]
STREAM_STATUS = ["connector", "status", "stream"]


def _ts(value: datetime | None) -> float:
    return value.timestamp() if value else 0.0


class DaemonCollector(Collector):
    """Every family of one scrape: the register's figures, then this process's jobs."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx

    def collect(self) -> Iterable[Metric]:
        with self.ctx.sessions() as session:
            figures = register_figures(self.ctx.settings, session)
        yield GaugeMetricFamily("bridge_daemon_up", "1 while this daemon runs.", value=1)
        yield from self._sync(figures)
        yield from _push(figures)
        requests = GaugeMetricFamily(
            "bridge_requests",
            "Open data-subject requests: all, overdue, and due within daemon.reminder_days.",
            labels=["state"],
        )
        for state, count in figures.requests.items():
            requests.add_metric([state], count)
        yield requests
        yield from self._jobs()

    def _sync(self, figures: RegisterFigures) -> list[Metric]:
        last_run = GaugeMetricFamily(
            "bridge_sync_stream_last_run_timestamp_seconds",
            "When the last run that included the stream finished (Unix time).", labels=STREAM,
        )
        status = GaugeMetricFamily(
            "bridge_sync_stream_last_status",
            "Status of the stream in its last run: 1 on the series of that status.",
            labels=STREAM_STATUS,
        )
        records = GaugeMetricFamily(
            "bridge_sync_stream_last_run_records",
            "Records fetched for the stream in its last run.", labels=STREAM,
        )
        for run in figures.last_runs:
            last_run.add_metric([run.connector, run.stream], _ts(run.at))
            status.add_metric([run.connector, run.status, run.stream], 1)
            records.add_metric([run.connector, run.stream], run.fetched)
        completed = GaugeMetricFamily(
            "bridge_sync_stream_last_success_timestamp_seconds",
            "When the stream last completed (Unix time; 0 = never).", labels=STREAM,
        )
        for (connector, stream), at in figures.last_completed.items():
            completed.add_metric([connector, stream], _ts(at))
        synced = CounterMetricFamily(
            "bridge_sync_records", "Records fetched by this daemon's syncs since it started.",
            labels=STREAM,
        )
        for (connector, stream), count in sorted(self.ctx.records_synced.items()):
            synced.add_metric([connector, stream], count)
        return [last_run, status, records, completed, synced]

    def _jobs(self) -> list[Metric]:
        runs = CounterMetricFamily("bridge_job_runs", "Runs of each daemon job since it started.",
                                   labels=["job"])
        failures = CounterMetricFamily("bridge_job_failures", "Failed runs of each daemon job.",
                                       labels=["job"])
        last = GaugeMetricFamily("bridge_job_last_run_timestamp_seconds",
                                 "When the job last finished (Unix time; 0 = not yet).",
                                 labels=["job"])
        status = GaugeMetricFamily("bridge_job_last_status",
                                   "Outcome of the job's last run: 1 on the series of that status.",
                                   labels=["job", "status"])
        for job_id, record in sorted(self.ctx.records.items()):
            runs.add_metric([job_id], record.runs)
            failures.add_metric([job_id], record.failures)
            last.add_metric([job_id], _ts(record.last_finished_at))
            status.add_metric([job_id, record.last_status], 1)
        return [runs, failures, last, status]


def _push(figures: RegisterFigures) -> Iterator[Metric]:
    push = figures.push
    yield GaugeMetricFamily("bridge_push_pending", "Push commands not yet done.",
                            value=push["pending"])
    yield GaugeMetricFamily("bridge_push_failed", "Push commands failed (retry by hand).",
                            value=push["failed"])
    blocked = GaugeMetricFamily(
        "bridge_push_blocked",
        "Push commands held back by an open alarm: the LMS refused the bridge itself (token, "
        "permission, function) and a person must fix it.", labels=["connector"])
    kept = GaugeMetricFamily(
        "bridge_push_blocked_people",
        "People (LMS accounts) who keep LMS access because an alarm holds their push back.",
        labels=["connector"])
    for connector, (pushes, people) in sorted(figures.blocked.items()):
        blocked.add_metric([connector], pushes)
        kept.add_metric([connector], people)
    yield blocked
    yield kept
    yield GaugeMetricFamily("bridge_push_oldest_pending_age_seconds",
                            "Age of the oldest open push command (0 when none).",
                            value=push["oldest_pending_age_s"] or 0)
    name = "bridge_revocation_latency_seconds"
    latency = Metric(
        name,
        "Withdrawal to verified suspension in the LMS (done_at - created_at) of suspend "
        f"pushes done in the last {int(LATENCY_WINDOW.total_seconds() // 3600)} h.",
        "summary",
    )
    summary = figures.revocation_latency
    for quantile, value in summary.quantiles.items():
        latency.add_sample(name, {"quantile": quantile}, value)
    latency.add_sample(f"{name}_sum", {}, summary.total)
    latency.add_sample(f"{name}_count", {}, summary.count)
    yield latency


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _only_metrics(metrics_app: WsgiApp) -> WsgiApp:
    """Serve ``/metrics`` (other paths 404); a failed scrape is logged and answered 500,
    never allowed to take the daemon down."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/metrics":
            return _plain(start_response, "404 Not Found", "not found: try /metrics\n")
        try:
            return metrics_app(environ, start_response)
        except Exception as exc:  # a scrape must not take the daemon down; say why
            log.error("metrics scrape failed: %s: %s", type(exc).__name__, exc,
                      extra={"ctx_error_type": type(exc).__name__})
            return _plain(start_response, "500 Internal Server Error",
                          f"metrics unavailable: {type(exc).__name__}\n")

    return app


def _plain(start_response: Callable[..., Any], status: str, body: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
    return [body.encode("utf-8")]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes are not logged: one line every 15 s helps nobody."""


class MetricsServer:
    """Serves the :class:`DaemonCollector` on the loopback interface from a thread."""

    def __init__(self, ctx: JobContext, port: int) -> None:
        registry = CollectorRegistry()
        registry.register(DaemonCollector(ctx))
        self.server = make_server(
            LOOPBACK, port, _only_metrics(make_wsgi_app(registry)),
            server_class=ThreadingWSGIServer, handler_class=_QuietHandler,
        )
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
