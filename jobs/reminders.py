"""The daily reminder of data-subject request deadlines (GDPR art. 12(3)).

Logs every open request due within ``daemon.reminder_days`` or overdue, by id, and when
``[notify.smtp]`` is configured e-mails the list to its recipients. Only ids, types and
dates leave the register: no names or addresses go into logs or mail.

Several daemons take the ``job:reminders`` lease, and a reminder already sent today (an
audit row) is not sent again, so nobody gets the same mail twice.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email.message import EmailMessage

import sqlalchemy as sa

from bridge.errors import LeaseHeld
from bridge.registry.base import utcnow
from bridge.registry.models import AuditEntry
from bridge.services import audit
from bridge.services.leases import held_lease, holder_name
from bridge.services.rights.requests import due_soon
from bridge.settings import Settings
from bridge.settings.schema import SmtpSettings
from jobs.context import JobContext, JobSkipped

log = logging.getLogger(__name__)

LEASE = "job:reminders"
ACTION = "deadline reminders"


@dataclass(frozen=True)
class Due:
    request_id: int
    type: str
    deadline: date
    overdue: bool


def run(ctx: JobContext) -> list[Due] | None:
    today = utcnow().date()
    holder = holder_name(ctx.actor.name)
    try:
        with held_lease(ctx.sessions, LEASE, holder, ctx.settings.daemon.lease_ttl, stop=ctx.stop):
            with ctx.sessions() as session:
                if _sent_today(session, today):
                    raise JobSkipped("deadline reminders were already sent today", quiet=True)
                due = [
                    _due(request, today)
                    for request in due_soon(session, today, ctx.settings.daemon.reminder_days)
                ]
            for item in due:
                log.warning(
                    "request %s (%s) %s %s",
                    item.request_id,
                    item.type,
                    "was due" if item.overdue else "is due",
                    item.deadline.isoformat(),
                    extra={"ctx_request_id": item.request_id, "ctx_overdue": item.overdue},
                )
            mailed = 0
            if due and ctx.settings.notify.smtp is not None:
                send(ctx.settings, ctx.settings.notify.smtp, due, today)
                mailed = len(ctx.settings.notify.smtp.recipients)
            details = {
                "due": sum(not d.overdue for d in due),
                "overdue": sum(d.overdue for d in due),
                "mailed_to": mailed,
            }
            with ctx.sessions() as session, session.begin():
                audit.record(session, ctx.actor, ACTION, details=details)
            log.info("deadline reminders: %s", details, extra={"ctx_counts": details})
            return due
    except LeaseHeld as exc:
        raise JobSkipped(f"reminders: {exc}") from None


def _due(request: object, today: date) -> Due:
    deadline = getattr(request, "extended_deadline", None) or request.deadline  # type: ignore[attr-defined]
    return Due(request.id, request.type, deadline, deadline < today)  # type: ignore[attr-defined]


def _sent_today(session: sa.orm.Session, today: date) -> bool:
    start = datetime.combine(today, time.min, tzinfo=UTC)
    found = session.scalar(
        sa.select(AuditEntry.id)
        .where(AuditEntry.action == ACTION, AuditEntry.at >= start)
        .limit(1)
    )
    return found is not None


def message(settings: Settings, smtp: SmtpSettings, due: list[Due], today: date) -> EmailMessage:
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


def send(settings: Settings, smtp: SmtpSettings, due: list[Due], today: date) -> None:
    """Deliver the reminder; SMTP errors propagate (logged by the registry, retried next slot)."""
    with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as client:
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
        if smtp.username and smtp.password is not None:
            client.login(smtp.username, smtp.password.get_secret_value())
        client.send_message(message(settings, smtp, due, today))
