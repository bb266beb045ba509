"""The simulated Canvas over real HTTP on 127.0.0.1 (standard library only).

``serve()`` is the long-running front end (``python -m connectors.canvas.simulator``): it
prints one JSON line ``{"url": ..., "token": ...}`` when ready and serves until SIGTERM
or SIGINT. ``running_server()`` serves one in a background thread for tests.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TextIO

from connectors.canvas.simulator.app import SimulatedCanvas

LOOPBACK = "127.0.0.1"


class CanvasServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sim: SimulatedCanvas, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.sim = sim
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: CanvasServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        (status, headers, payload), stall = self.server.sim.handle(
            self.command, self.path, dict(self.headers.items()), body)
        if stall:
            self.server.stopping.wait(stall)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the simulator's stdout carries only the ready line."""


@contextmanager
def running_server(sim: SimulatedCanvas, host: str = LOOPBACK, port: int = 0) -> Iterator[str]:
    """Serve ``sim`` in a background thread; yields the base URL, stops on exit."""
    server = CanvasServer(sim, (host, port))
    sim.base_url = server.url
    thread = threading.Thread(target=server.serve_forever, name="canvas-simulator", daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()


def serve(size: str = "demo", port: int = 0, seed: int = 1, faults: float = 0.0, *,
          host: str = LOOPBACK, token: str | None = None, out: TextIO | None = None) -> int:
    """Build an account, serve it, print the ready line, return 0 after SIGTERM/SIGINT.
    ``faults`` is the share of requests answered 503 at first (then served)."""
    sim = SimulatedCanvas(size, seed) if token is None else SimulatedCanvas(size, seed, token)
    if faults > 0:
        sim.fail_next("server_error", max(1, int(faults * 100)))
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with running_server(sim, host, port) as url:
            print(json.dumps({"url": url, "token": sim.token}), file=out or sys.stdout,
                  flush=True)
            stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
