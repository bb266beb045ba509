"""A local SMTP sink for tests of the bridge's e-mails: just enough SMTP to take messages,
and the ``[notify.smtp]`` section that points at it."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SMTP_SINK = """
[notify.smtp]
host = "127.0.0.1"
port = {port}
starttls = false
sender = "bridge@kraatz.fi"
recipients = ["heini.nyman@kraatz.fi"]
"""


class _Sink(socketserver.StreamRequestHandler):
    """Just enough SMTP to take one message."""

    server: SinkServer

    def handle(self) -> None:
        self._say("220 sink")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ", 1)[0].upper()
            if verb == "DATA":
                self._say("354 go on")
                body = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    body += chunk
                self.server.messages.append(body)
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 ok")

    def _say(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")


class SinkServer(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Sink)
        self.messages: list[bytes] = []


@contextmanager
def running_sink() -> Iterator[SinkServer]:
    """A sink on a free local port, for the length of the block."""
    server = SinkServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
