"""`bridge sync`'s progress: totals and time left where the total is known, and no bar
frames when the output is not a terminal (issue "The people who use it", point 10)."""

from __future__ import annotations

import io

from rich.console import Console

from bridge.cli.commands.sync import RichProgress
from bridge.services.sync.engine import StreamStats


def _console(*, terminal: bool) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=terminal, width=140), buffer


def test_a_terminal_sees_streams_done_of_the_total_and_the_time_left() -> None:
    console, buffer = _console(terminal=True)
    with RichProgress(console) as progress:
        progress.streams_planned(["users", "courses"])
        progress.stream_started("users")
        progress.stream_finished("users", StreamStats(fetched=3, created=3))
        progress.bar.refresh()
    shown = buffer.getvalue()
    assert "1/2 streams" in shown
    assert "ETA" in shown
    assert "fetched 3" in shown


def test_a_pipe_gets_no_bar_frames() -> None:
    console, buffer = _console(terminal=False)
    with RichProgress(console) as progress:
        progress.streams_planned(["users"])
        progress.stream_started("users")
        progress.stream_finished("users", StreamStats(fetched=1))
    assert buffer.getvalue() == ""
