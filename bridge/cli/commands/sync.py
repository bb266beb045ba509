"""`bridge sync`: pull the LMS into the register, with a progress line per stream."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from bridge.cli.app import App
from bridge.cli.guard import requires
from bridge.cli.options import json_option, known_connector
from bridge.cli.render import emit_json, err, table, terminal_text
from bridge.errors import LeaseHeld, OperationFailed, UsageError
from bridge.services.sync.engine import RunResult, StreamStats, SyncOptions, run_sync


class _Remaining(ProgressColumn):
    """Time left where the total is known (the run's streams), nothing where it is not (a
    stream's pages), rather than a row of dashes."""

    def __init__(self) -> None:
        super().__init__()
        self.eta = TimeRemainingColumn()

    def render(self, task: Task) -> Text:
        if task.total is None or task.finished:
            return Text("")
        return Text.assemble("ETA ", self.eta.render(task))


class RichProgress:
    """A line for the whole run (streams done of the total, time left) and one per
    stream with its counts, on stderr."""

    def __init__(self, console: Console = err) -> None:
        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.fields[stream]:<18}", markup=False),
            BarColumn(bar_width=20),
            TextColumn("{task.fields[counts]}", markup=False),
            TimeElapsedColumn(),
            _Remaining(),
            console=console,
            transient=False,
            # A log file or a pipe gets the one-line summaries, not bar frames.
            disable=not console.is_terminal,
        )
        self.tasks: dict[str, int] = {}
        self.overall: int | None = None

    def __enter__(self) -> RichProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def streams_planned(self, streams: Sequence[str]) -> None:
        self.overall = self.bar.add_task(
            "", total=len(streams), stream="all streams", counts=f"0/{len(streams)} streams"
        )

    def stream_started(self, stream: str) -> None:
        self.tasks[stream] = self.bar.add_task("", total=None, stream=stream, counts="starting")

    def batch_stored(self, stream: str, stats: StreamStats) -> None:
        self.bar.update(self.tasks[stream], counts=_counts(stats))

    def stream_finished(self, stream: str, stats: StreamStats) -> None:
        text = (_counts(stats) if stats.status == "ok"
                else f"{stats.status}: {terminal_text(stats.error)}")
        self.bar.update(self.tasks[stream], total=1, completed=1, counts=text)
        if self.overall is not None:
            self.bar.advance(self.overall)
            task = self.bar.tasks[self.overall]
            self.bar.update(self.overall, counts=f"{task.completed:.0f}/{task.total:.0f} streams")

    def stream_abandoned(self, stream: str) -> None:
        self.bar.remove_task(self.tasks.pop(stream))  # the one line comes at the end


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
    for warning in result.warnings:
        err.print(f"warning: {warning}", markup=False)


def _failure(result: RunResult) -> str:
    if result.unreachable is not None:
        return f"{result.connector}: {result.unreachable}"
    errors = [f"{name}: {s.error}" for name, s in result.streams.items() if s.error]
    named = f" ({'; '.join(errors)})" if errors else ""  # every failed stream, not the first
    return f"{result.connector}: run {result.run_id} {result.status}{named}"


def _tell_about_wait(command: Callable[..., None]) -> Callable[..., None]:
    """A held lease is what --wait answers; only this command has it (the daemon skips)."""

    @functools.wraps(command)
    def hinted(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except LeaseHeld as exc:
            raise LeaseHeld(f"{exc} (use --wait to wait for it)") from None

    return hinted


@click.command("sync")
@click.option("--connector", help="Only this connector (default: every configured one).")
@click.option("--streams", help="Comma-separated streams to run now (default: those due).")
@click.option("--full", is_flag=True, help="Re-read everything, ignoring bookmarks.")
@click.option("--all-streams", is_flag=True, help="Run every enabled stream now.")
@click.option("--reconcile", is_flag=True, help="Also mark what disappeared from the LMS.")
@click.option(
    "--accept-removals",
    is_flag=True,
    help="With --reconcile: mark removals even when the safety valve would hold them back "
    "(a real mass departure; audited).",
)
@click.option("--wait", is_flag=True, help="Wait for another sync to finish instead of exit 3.")
@json_option
@click.pass_obj
@requires("sync")
@_tell_about_wait
def sync(
    app: App,
    connector: str | None,
    streams: str | None,
    full: bool,
    all_streams: bool,
    reconcile: bool,
    accept_removals: bool,
    wait: bool,
    as_json: bool,
) -> None:
    """Pull the LMS into the register (incremental by default)."""
    if accept_removals and not reconcile:
        raise UsageError("--accept-removals needs --reconcile (it confirms a reconciliation)")
    options = SyncOptions(
        streams=[s.strip() for s in streams.split(",") if s.strip()] if streams else None,
        full=full,
        all_streams=all_streams,
        reconcile=reconcile,
        accept_removals=accept_removals,
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
            if result.unreachable is None:
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
        raise OperationFailed("\n".join(_failure(r) for r in results if r.status != "ok"))


def register(cli: click.Group) -> None:
    cli.add_command(sync)
