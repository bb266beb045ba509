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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TextIO

from connectors.moodle.simulator.costs import CostModel
from connectors.moodle.simulator.cron import DEFAULT_CRON_EVERY_S, Cron
from connectors.moodle.simulator.faults import InjectedFault
from connectors.moodle.simulator.simulated import SimulatedMoodle

LOOPBACK = "127.0.0.1"
#: The function a request body names (the cost model charges per function).
_FUNCTION = re.compile(rb"(?:^|&)wsfunction=([A-Za-z0-9_]+)")


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sim: SimulatedMoodle, address: tuple[str, int],
                 costs: CostModel | None = None) -> None:
        super().__init__(address, _Handler)
        self.sim = sim
        #: What each answer costs (``costs.py``); None answers at once.
        self.costs = costs
        #: Set on shutdown so that stalled ("timeout") requests end at once.
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: SimulatorServer
    protocol_version = "HTTP/1.1"
    #: The headers and the body go out in two writes: with Nagle's algorithm the body of
    #: a small answer waited for the client's delayed ACK, 40 ms a call that a web server
    #: in front of Moodle (TCP_NODELAY on) does not add.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
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
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _reset(self) -> None:
        """Close without answering; linger 0 makes it a TCP reset, not a clean close."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the simulator's stdout carries only the ready line."""


def make_server(sim: SimulatedMoodle, host: str = LOOPBACK, port: int = 0,
                costs: CostModel | None = None) -> SimulatorServer:
    server = SimulatorServer(sim, (host, port), costs)
    sim.set_wwwroot(server.url)
    return server


@contextmanager
def running_server(sim: SimulatedMoodle, host: str = LOOPBACK, port: int = 0,
                   costs: CostModel | None = None) -> Iterator[str]:
    """Serve ``sim`` in a background thread; yields the base URL, stops on exit."""
    server = make_server(sim, host, port, costs)
    thread = threading.Thread(target=server.serve_forever, name="moodle-simulator", daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()


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
