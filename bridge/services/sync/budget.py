"""A run's time budget: the longest one sync run may keep asking the LMS for data.

A run that meets a slow site (or a site far larger than the last one) must not go on for
hours, overlapping the next scheduled run and keeping the LMS busy. When the budget is
spent the run stops at its next batch boundary: what it stored stays, every stream resumes
from its bookmark on the next run, and the streams it did not finish are named.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bridge.settings.durations import format_duration


@dataclass(frozen=True)
class RunBudget:
    """``limit`` from the moment the budget is made, read on ``clock`` (monotonic)."""

    limit: timedelta
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=0.0)

    @classmethod
    def starting_now(
        cls, limit: timedelta, clock: Callable[[], float] = time.monotonic
    ) -> RunBudget:
        return cls(limit, clock, clock())

    def spent(self) -> bool:
        return self.clock() - self.started >= self.limit.total_seconds()

    def stopped_stream(self) -> str:
        """Why a stream stopped before its end (its status stays ``failed``)."""
        return (
            f"stopped when the run's time budget ({format_duration(self.limit)}) was spent; "
            "what was read is stored, and the next run resumes from the bookmark"
        )

    def streams_not_run(self, streams: list[str]) -> str:
        """The run's warning for the streams it did not start."""
        return (
            f"the run's time budget ({format_duration(self.limit)}) was spent: "
            f"{', '.join(streams)} not read this run (the next run reads them); raise "
            "run_budget, or give the streams their own schedule"
        )
