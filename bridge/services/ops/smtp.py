"""Sending one e-mail through the ``[notify.smtp]`` server."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from bridge.settings.schema import SmtpSettings

#: Seconds to wait for the SMTP server before the send fails (and is retried next slot).
TIMEOUT = 30


def deliver(smtp: SmtpSettings, mail: EmailMessage) -> None:
    """Send ``mail``; SMTP errors propagate, so the caller's job fails and runs again."""
    with smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT) as client:
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
        if smtp.username and smtp.password is not None:
            client.login(smtp.username, smtp.password.get_secret_value())
        client.send_message(mail)
