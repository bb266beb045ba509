"""The Canvas simulator as the Canvas connector kind offers it to the demo and `bridge
simulator serve --lms canvas` (:mod:`connectors.simulation`): accounts of the named sizes
served on 127.0.0.1. Canvas has no scheduled work the bridge waits for (an erasure is done
when the DELETE answers), so there are no background jobs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from connectors.canvas.simulator.app import SimulatedCanvas
from connectors.canvas.simulator.dataset import SIZES
from connectors.canvas.simulator.server import running_server
from connectors.simulation import LmsSimulator, SimulatedSite


class ServedCanvas(SimulatedSite):
    """A simulated Canvas while it is served; ``sim`` is the account itself (for tests)."""

    def __init__(self, sim: SimulatedCanvas, url: str) -> None:
        self.sim, self.url, self.token = sim, url, sim.token


class CanvasSimulator(LmsSimulator):
    lms_name = "Canvas"
    sizes = tuple(SIZES)
    #: Canvas erases by deleting the user (it has no data-request workflow).
    demo_settings: ClassVar[str] = 'erasure = "delete_user"\n'

    @contextmanager
    def served(
        self, size: str, *, seed: int = 1, port: int = 0, faults: float = 0.0
    ) -> Iterator[ServedCanvas]:
        sim = SimulatedCanvas(size, seed, fault_share=faults)
        with running_server(sim, port=port) as url:
            yield ServedCanvas(sim, url)
