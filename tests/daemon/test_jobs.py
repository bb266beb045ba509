"""The jobs that need no daemon process: reminders by e-mail to a local SMTP sink, and
the retention and reminder jobs in a version without their services."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from datetime import date
from email import message_from_bytes
from pathlib import Path

import pytest

from bridge.services.ops import reminder_mail, smtp
from bridge.services.ops.deadlines import Due
from bridge.settings import load_settings
from tests.configs import write_config

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

    server: _SinkServer

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


class _SinkServer(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Sink)
        self.messages: list[bytes] = []


@pytest.fixture
def smtp_sink() -> Iterator[_SinkServer]:
    server = _SinkServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_reminder_mail_lists_requests_by_id_and_deadline_only(
    tmp_path: Path, smtp_sink: _SinkServer
) -> None:
    port = smtp_sink.server_address[1]
    config = write_config(tmp_path, "sqlite:///unused.sqlite3",
                          extra=SMTP_SINK.format(port=port))
    settings = load_settings(config)
    assert settings.notify.smtp is not None
    due = [
        Due(17, "access", date(2025, 3, 1), overdue=True),
        Due(21, "erasure", date(2025, 3, 9), overdue=False),
    ]
    server = settings.notify.smtp
    smtp.deliver(server, reminder_mail.compose(settings, server, due, date(2025, 3, 4)))
    [raw] = smtp_sink.messages
    mail = message_from_bytes(raw)
    assert mail["To"] == "heini.nyman@kraatz.fi"
    assert "2 data-subject request(s) due, 1 overdue" in mail["Subject"]
    body = mail.get_payload()
    assert "request     17  access         deadline 2025-03-01  OVERDUE" in body
    assert "request     21  erasure        deadline 2025-03-09" in body


