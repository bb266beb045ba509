"""The served simulator's cron: what a real site's ``admin/cli/cron.php`` does every minute.

A real Moodle runs its scheduled and ad-hoc tasks from cron, typically every minute; the
privacy tasks that turn an approved delete request into a deleted account only run
there. Without it an erasure against ``bridge simulator serve`` would wait forever.
Tests drive :meth:`Cron.run_due` with their own clock instead of waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from connectors.moodle.simulator.simulated import SimulatedMoodle

#: How often the served simulator runs cron unless told otherwise (as a real site does).
DEFAULT_CRON_EVERY_S = 60.0


@dataclass
class Cron:
    """Runs the site's tasks every ``every_s`` seconds (never when it is 0)."""

    sim: SimulatedMoodle
    every_s: float = DEFAULT_CRON_EVERY_S
    clock: Callable[[], float] = time.monotonic
    runs: int = 0
    _next_at: float | None = field(default=None, repr=False)

    def run_due(self) -> dict[str, Any] | None:
        """Run cron when its time has come; what it processed, or ``None`` when not due."""
        if self.every_s <= 0:
            return None
        now = self.clock()
        if self._next_at is None:
            self._next_at = now + self.every_s
            return None
        if now < self._next_at:
            return None
        self._next_at = now + self.every_s
        self.runs += 1
        with self.sim.app.lock:  # one request at a time, as the site serialises them
            return {**self.sim.run_cron(), **self.sim.run_context_cleanup()}

    def seconds_to_next(self) -> float:
        """How long the serving loop may wait before calling :meth:`run_due` again."""
        if self.every_s <= 0 or self._next_at is None:
            return 0.5
        return max(0.0, min(0.5, self._next_at - self.clock()))
