"""`bridge sync`: pull the LMS into the register, with a progress line per stream."""

from __future__ import annotations

import click
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from bridge.cli.app import App
from bridge.cli.guard import requires
from bridge.cli.options import json_option, known_connector
from bridge.cli.render import emit_json, err, table, terminal_text
from bridge.errors import OperationFailed
from bridge.services.sync.engine import RunResult, StreamStats, SyncOptions, run_sync


class RichProgress:
    """One progress line per stream, with its counts, on stderr."""

    def __init__(self) -> None:
        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.fields[stream]:<18}", markup=False),
            BarColumn(bar_width=20),
            TextColumn("{task.fields[counts]}", markup=False),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        )
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> RichProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def stream_started(self, stream: str) -> None:
        self.tasks[stream] = self.bar.add_task("", total=None, stream=stream, counts="starting")

    def batch_stored(self, stream: str, stats: StreamStats) -> None:
        self.bar.update(self.tasks[stream], counts=_counts(stats))

    def stream_finished(self, stream: str, stats: StreamStats) -> None:
        text = (_counts(stats) if stats.status == "ok"
                else f"{stats.status}: {terminal_text(stats.error)}")
        self.bar.update(self.tasks[stream], total=1, completed=1, counts=text)


def _counts(stats: StreamStats) -> str:
    return (
        f"fetched {stats.fetched}  created {stats.created}  updated {stats.updated}  "
        f"unchanged {stats.unchanged}  removed {stats.removed}  quarantined {stats.quarantined}"
    )


def _connectors(app: App, connector: str | None) -> list[str]:
    names = list(app.settings.connectors)
    if connector:
        return [known_connector(connector, names)]
    if not names:
        raise OperationFailed("no connector is configured ([connectors.NAME] in the config file)")
    return names


def _print_summary(result: RunResult) -> None:
    rows = [
        (
            name,
            s.fetched,
            s.created,
            s.updated,
            s.unchanged,
            s.removed,
            s.quarantined,
            s.status if s.status == "ok" else f"{s.status}: {s.error}",
        )
        for name, s in result.streams.items()
    ]
    rows += [
        (name, "", "", "", "", "", "", f"skipped: {why}") for name, why in result.skipped.items()
    ]
    table(
        f"sync run {result.run_id} of {result.connector}: {result.status}, "
        f"{result.requests} requests, {result.duration_s:.1f} s",
        (
            "stream",
            "fetched",
            "created",
            "updated",
            "unchanged",
            "removed",
            "quarantined",
            "status",
        ),
        rows,
    )


def _failure(result: RunResult) -> str:
    errors = [f"{name}: {s.error}" for name, s in result.streams.items() if s.error]
    first = f" ({errors[0]})" if errors else ""
    return f"{result.connector}: run {result.run_id} {result.status}{first}"


@click.command("sync")
@click.option("--connector", help="Only this connector (default: every configured one).")
@click.option("--streams", help="Comma-separated streams to run now (default: those due).")
@click.option("--full", is_flag=True, help="Re-read everything, ignoring bookmarks.")
@click.option("--all-streams", is_flag=True, help="Run every enabled stream now.")
@click.option("--reconcile", is_flag=True, help="Also mark what disappeared from the LMS.")
@click.option("--wait", is_flag=True, help="Wait for another sync to finish instead of exit 3.")
@json_option
@click.pass_obj
@requires("sync")
def sync(
    app: App,
    connector: str | None,
    streams: str | None,
    full: bool,
    all_streams: bool,
    reconcile: bool,
    wait: bool,
    as_json: bool,
) -> None:
    """Pull the LMS into the register (incremental by default)."""
    options = SyncOptions(
        streams=[s.strip() for s in streams.split(",") if s.strip()] if streams else None,
        full=full,
        all_streams=all_streams,
        reconcile=reconcile,
        wait=wait,
        operator=app.operator,
    )
    results = []
    for name in _connectors(app, connector):
        token = app.connector_token(name)
        progress = RichProgress() if not as_json else None
        if progress is not None:
            with progress:
                result = run_sync(
                    app.settings,
                    app.sessions,
                    name,
                    token,
                    options,
                    progress=progress,
                    actor=app.actor,
                )
            _print_summary(result)
        else:
            result = run_sync(app.settings, app.sessions, name, token, options, actor=app.actor)
        results.append(result)
    if as_json:
        emit_json(
            results[0].summary()
            if len(results) == 1
            else {"runs": {r.connector: r.summary() for r in results}}
        )
    if any(r.status != "ok" for r in results):
        raise OperationFailed("; ".join(_failure(r) for r in results if r.status != "ok"))


def register(cli: click.Group) -> None:
    cli.add_command(sync)
