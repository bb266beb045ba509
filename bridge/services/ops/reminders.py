"""The daily reminder of data-subject request deadlines (GDPR art. 12(3)).

Logs every open request due within ``daemon.reminder_days`` or overdue, by id, and when
``[notify.smtp]`` is configured e-mails the list to its recipients. A reminder already
sent today (its audit row) is not sent again, so with several daemons (each taking the
caller's lease in turn) nobody gets the same mail twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.ops import reminder_mail, smtp
from bridge.services.ops.deadlines import Due, due_requests
from bridge.settings import Settings
from bridge.store.models import AuditEntry

log = logging.getLogger(__name__)

#: The audit action of a reminder; also how "already sent today" is found.
ACTION = "deadline reminders"


def send_reminders(
    sessions: sessionmaker[Session], settings: Settings, actor: Actor, today: date
) -> list[Due] | None:
    """Log and mail today's reminder and audit it; ``None`` when it was already sent today."""
    with sessions() as session:
        if sent_today(session, today):
            return None
        due = due_requests(session, today, settings.daemon.reminder_days)
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
    server = settings.notify.smtp
    if due and server is not None:
        smtp.deliver(server, reminder_mail.compose(settings, server, due, today))
        mailed = len(server.recipients)
    details = {
        "due": sum(not d.overdue for d in due),
        "overdue": sum(d.overdue for d in due),
        "mailed_to": mailed,
    }
    with sessions() as session, session.begin():
        audit.record(session, actor, ACTION, details=details)
    log.info("deadline reminders: %s", details, extra={"ctx_counts": details})
    return due


def sent_today(session: Session, today: date) -> bool:
    """Whether a reminder was audited since midnight UTC of ``today``."""
    start = datetime.combine(today, time.min, tzinfo=UTC)
    found = session.scalar(
        sa.select(AuditEntry.id)
        .where(AuditEntry.action == ACTION, AuditEntry.at >= start)
        .limit(1)
    )
    return found is not None
