"""The simulated Canvas over real HTTP on 127.0.0.1 (standard library only).

``running_server()`` serves one in a background thread; the long-running front end
(``python -m connectors.canvas.simulator``, ``bridge simulator serve``) is the kind's
:class:`~connectors.canvas.simulator.kit.CanvasSimulator`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
