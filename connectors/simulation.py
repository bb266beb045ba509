"""What a connector kind offers `bridge demo --lms KIND` and `bridge simulator serve --lms
KIND`: a simulated site of its LMS, served over HTTP on 127.0.0.1.

A kind offers one through :meth:`connectors.base.Connector.simulator`; the command line
picks it by the kind's name, so it names no LMS itself, and a kind without one (the
default) is refused by name. The simulator is imported only when asked for, so a
connector in production never loads it.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar, TextIO


class SimulatedSite(ABC):
    """One simulated site while it is served: where it answers, and the token it takes."""

    url: str
    token: str

    def run_background_jobs(self) -> str | None:
        """Run now what the LMS does by itself on a schedule (Moodle's cron completing
        approved privacy requests, say); a short report of what ran, or None when this LMS
        has no such work."""
        return None


class LmsSimulator(ABC):
    """A kind's simulator: builds sites of named sizes and serves them."""

    #: How a person names this LMS ("Moodle").
    lms_name: ClassVar[str]
    #: The sizes of site it builds; ``tiny`` and ``demo`` at least (the demo's sizes).
    sizes: ClassVar[tuple[str, ...]] = ("tiny", "demo")
    #: TOML lines the demo adds to its ``[connectors.NAME]`` section for this LMS.
    demo_settings: ClassVar[str] = ""
    #: Demo steps this LMS cannot do (step key → why), shown as "not available" with the
    #: reason instead of run: ``check``, ``sync``, ``withdraw``, ``erase``, ``export``.
    demo_unavailable: ClassVar[Mapping[str, str]] = {}

    @abstractmethod
    def served(
        self, size: str, *, seed: int = 1, port: int = 0, faults: float = 0.0
    ) -> AbstractContextManager[SimulatedSite]:
        """Build a site of ``size`` and serve it on 127.0.0.1 (``port`` 0: any free port)
        until the context ends; ``faults`` is the share of requests answered with a
        transport fault."""

    def serve(
        self,
        size: str,
        *,
        seed: int = 1,
        port: int = 0,
        faults: float = 0.0,
        background_every: float = 60.0,
        out: TextIO | None = None,
    ) -> int:
        """Serve until SIGTERM/SIGINT: print ``{"url": ..., "token": ...}`` when ready and run
        the background jobs every ``background_every`` seconds (0: never); returns 0."""
        stop = threading.Event()

        def request_stop(signum: int, frame: object) -> None:
            stop.set()

        previous = {s: signal.signal(s, request_stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            with self.served(size, seed=seed, port=port, faults=faults) as site:
                ready = json.dumps({"url": site.url, "token": site.token})
                print(ready, file=out or sys.stdout, flush=True)
                self.keep_serving(site, stop, background_every)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    def keep_serving(self, site: SimulatedSite, stop: threading.Event, every: float) -> None:
        """Run ``site``'s background jobs every ``every`` seconds (0: never) until ``stop``."""
        while not stop.wait(every or None):
            site.run_background_jobs()


class SimulationServer(ThreadingHTTPServer):
    """A simulated site's HTTP server: a thread per request, and a ``stopping`` event set on
    shutdown so that stalled requests end at once."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int],
                 handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class SimulationHandler(BaseHTTPRequestHandler):
    """Answers GET and POST with :meth:`answer` (a kind adds the other methods it takes)."""

    server: SimulationServer
    protocol_version = "HTTP/1.1"
    #: The headers and the body go out in two writes: with Nagle's algorithm the body of
    #: a small answer waited for the client's delayed ACK, 40 ms a call that a web server
    #: in front of the LMS (TCP_NODELAY on) does not add.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self.answer(self.read_body())

    def do_POST(self) -> None:
        self.answer(self.read_body())

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def answer(self, body: bytes) -> None:
        """Answer the request whose body is ``body`` (:meth:`send` writes the answer)."""
        raise NotImplementedError

    def send(self, status: int, headers: Mapping[str, str], payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the simulator's stdout carries only the ready line."""


@contextmanager
def serving(server: SimulationServer, thread_name: str) -> Iterator[str]:
    """Serve ``server`` in a background thread; yields its base URL, stops on exit."""
    thread = threading.Thread(target=server.serve_forever, name=thread_name, daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()
