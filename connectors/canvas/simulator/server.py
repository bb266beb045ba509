"""The simulated Canvas over real HTTP on 127.0.0.1 (standard library only).

``running_server()`` serves one in a background thread; the long-running front end
(``python -m connectors.canvas.simulator``, ``bridge simulator serve``) is the kind's
:class:`~connectors.canvas.simulator.kit.CanvasSimulator`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from connectors.canvas.simulator.app import SimulatedCanvas
from connectors.simulation import SimulationHandler, SimulationServer, serving

LOOPBACK = "127.0.0.1"


class CanvasServer(SimulationServer):
    def __init__(self, sim: SimulatedCanvas, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.sim = sim


class _Handler(SimulationHandler):
    server: CanvasServer

    def do_PUT(self) -> None:
        self.answer(self.read_body())

    def do_DELETE(self) -> None:
        self.answer(self.read_body())

    def answer(self, body: bytes) -> None:
        (status, headers, payload), stall = self.server.sim.handle(
            self.command, self.path, dict(self.headers.items()), body)
        if stall:
            self.server.stopping.wait(stall)
        self.send(status, headers, payload)


@contextmanager
def running_server(sim: SimulatedCanvas, host: str = LOOPBACK, port: int = 0) -> Iterator[str]:
    """Serve ``sim`` in a background thread; yields the base URL, stops on exit."""
    server = CanvasServer(sim, (host, port))
    sim.base_url = server.url
    with serving(server, "canvas-simulator") as url:
        yield url
