"""The Moodle simulator as the Moodle connector kind offers it to the demo and `bridge
simulator serve` (:mod:`connectors.simulation`): sites of the named sizes served on
127.0.0.1, and Moodle's cron as the site's background jobs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from connectors.moodle.simulator.cron import Cron
from connectors.moodle.simulator.server import running_server
from connectors.moodle.simulator.simulated import SimulatedMoodle
from connectors.simulation import LmsSimulator, SimulatedSite


class ServedMoodle(SimulatedSite):
    """A simulated Moodle while it is served; ``sim`` is the site itself (for tests)."""

    def __init__(self, sim: SimulatedMoodle, url: str) -> None:
        self.sim, self.url, self.token = sim, url, sim.token

    def run_background_jobs(self) -> str:
        ran = self.sim.run_cron()["processed"]
        return f"Moodle's cron completed {len(ran)} approved data request(s)"


class MoodleSimulator(LmsSimulator):
    lms_name = "Moodle"
    sizes = ("tiny", "demo", "bench-10k", "bench-100k", "sample-site")

    @contextmanager
    def served(
        self, size: str, *, seed: int = 1, port: int = 0, faults: float = 0.0
    ) -> Iterator[ServedMoodle]:
        sim = SimulatedMoodle(size, seed=seed, faults=faults)
        with running_server(sim, port=port) as url:
            yield ServedMoodle(sim, url)

    def keep_serving(self, site: SimulatedSite, stop: threading.Event, every: float) -> None:
        """Moodle's cron keeps Moodle's schedule: run when due, then every ``every`` s."""
        assert isinstance(site, ServedMoodle)
        cron = Cron(site.sim, every)
        cron.run_due()
        while not stop.wait(cron.seconds_to_next()):
            cron.run_due()
