"""The simulator over real HTTP on 127.0.0.1 (standard library only).

``serve()`` is the long-running front end of ``python -m
connectors.moodle.simulator serve`` and ``bridge simulator serve``: it prints
one JSON line ``{"url": ..., "token": ...}`` when ready and serves until
SIGTERM or SIGINT. ``running_server()`` runs one in a background thread for
tests.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import struct
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from connectors.moodle.simulator.costs import CostModel
from connectors.moodle.simulator.cron import DEFAULT_CRON_EVERY_S, Cron
from connectors.moodle.simulator.faults import InjectedFault
from connectors.moodle.simulator.simulated import SimulatedMoodle
from connectors.simulation import SimulationHandler, SimulationServer, serving

LOOPBACK = "127.0.0.1"
#: The function a request body names (the cost model charges per function).
_FUNCTION = re.compile(rb"(?:^|&)wsfunction=([A-Za-z0-9_]+)")


class SimulatorServer(SimulationServer):
    def __init__(self, sim: SimulatedMoodle, address: tuple[str, int],
                 costs: CostModel | None = None) -> None:
        super().__init__(address, _Handler)
        self.sim = sim
        #: What each answer costs (``costs.py``); None answers at once.
        self.costs = costs


class _Handler(SimulationHandler):
    server: SimulatorServer

    def answer(self, body: bytes) -> None:
        try:
            status, headers, payload = self.server.sim.handle(
                self.command, self.path, dict(self.headers.items()), body)
        except InjectedFault as fault:
            if fault.kind == "timeout":
                self.server.stopping.wait(fault.delay)
            self._reset()
            return
        if self.server.costs is not None:
            function = _FUNCTION.search(body)
            name = function.group(1).decode() if function else ""
            self.server.costs.charge(name, len(payload), self.server.stopping.wait)
        self.send(status, headers, payload)

    def _reset(self) -> None:
        """Close without answering; linger 0 makes it a TCP reset, not a clean close."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()


def make_server(sim: SimulatedMoodle, host: str = LOOPBACK, port: int = 0,
                costs: CostModel | None = None) -> SimulatorServer:
    server = SimulatorServer(sim, (host, port), costs)
    sim.set_wwwroot(server.url)
    return server


@contextmanager
def running_server(sim: SimulatedMoodle, host: str = LOOPBACK, port: int = 0,
                   costs: CostModel | None = None) -> Iterator[str]:
    """Serve ``sim`` in a background thread; yields the base URL, stops on exit."""
    with serving(make_server(sim, host, port, costs), "moodle-simulator") as url:
        yield url


def serve(size: str = "demo", port: int = 0, seed: int = 1, faults: float = 0.0, *,
          host: str = LOOPBACK, token: str | None = None, fault_delay: float = 5.0,
          out: TextIO | None = None, cron_every: float = DEFAULT_CRON_EVERY_S,
          costs: CostModel | None = None) -> int:
    """Build a site, serve it, print the ready line, and return 0 after SIGTERM/SIGINT.

    Cron runs every ``cron_every`` seconds (0: never), as on a real site, so approved
    privacy requests complete."""
    sim = SimulatedMoodle(size, seed, faults, token, fault_delay=fault_delay)
    cron = Cron(sim, cron_every)
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with running_server(sim, host, port, costs) as url:
            print(json.dumps({"url": url, "token": sim.token}), file=out or sys.stdout,
                  flush=True)
            cron.run_due()
            while not stop.wait(cron.seconds_to_next()):
                cron.run_due()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
