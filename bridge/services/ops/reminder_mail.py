"""The text of the deadline reminder e-mail: request ids, types and dates only, so no
name or address leaves the register by mail."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

from bridge.services.ops.deadlines import Due
from bridge.settings import Settings
from bridge.settings.schema import SmtpSettings


def compose(settings: Settings, smtp: SmtpSettings, due: list[Due], today: date) -> EmailMessage:
    """One message to every recipient, the requests sorted by deadline."""
    overdue = [d for d in due if d.overdue]
    mail = EmailMessage()
    mail["Subject"] = (
        f"[{settings.register.name}] {len(due)} data-subject request(s) due"
        + (f", {len(overdue)} overdue" if overdue else "")
    )
    mail["From"] = smtp.sender
    mail["To"] = ", ".join(smtp.recipients)
    lines = [
        f"Data-subject requests in {settings.register.name} due within "
        f"{settings.daemon.reminder_days} day(s) of {today.isoformat()} or overdue:",
        "",
        *(
            f"  request {d.request_id:>6}  {d.type:<14} deadline {d.deadline.isoformat()}"
            + ("  OVERDUE" if d.overdue else "")
            for d in sorted(due, key=lambda d: d.deadline)
        ),
        "",
        "Open requests are listed in the register. (Sent by the lms-registry-bridge daemon.)",
    ]
    mail.set_content("\n".join(lines))
    return mail
