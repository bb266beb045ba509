"""The jobs that need no daemon process: reminders by e-mail to a local SMTP sink, and
the retention and reminder jobs in a version without their services."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes
from pathlib import Path

from bridge.services.ops import reminder_mail, smtp
from bridge.services.ops.deadlines import Due
from bridge.settings import load_settings
from tests.configs import write_config
from tests.smtp_sink import SMTP_SINK, SinkServer


def test_reminder_mail_lists_requests_by_id_and_deadline_only(
    tmp_path: Path, smtp_sink: SinkServer
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


