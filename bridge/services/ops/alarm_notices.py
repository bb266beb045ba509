"""Telling an alarm (:mod:`bridge.services.push.alarms`) once per episode: the daemon's push
job logs each new alarm at ERROR (``logged_at``) and, when ``[notify.smtp]`` is set, mails
the privacy officer how many people keep LMS access and what to do (``mailed_at``). A mail
that fails is tried again at the next pass; the log line is not repeated. Like the other
mails, it holds counts, the connector and the fix, never a name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from email.message import EmailMessage

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import utcnow
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.ops import smtp
from bridge.services.push.alarms import Alarm, open_alarms
from bridge.settings import Settings
from bridge.settings.schema import SmtpSettings
from bridge.store.models import PushAlarm

log = logging.getLogger(__name__)

#: The audit action of a mailed alarm (one row per mail, with counts).
ACTION = "push alarm mailed"


def announce(sessions: sessionmaker[Session], settings: Settings, actor: Actor) -> list[Alarm]:
    """Log the alarms not yet logged, then mail those not yet mailed; returns those logged."""
    logged = _told(sessions, settings, "logged_at", _log)
    server = settings.notify.smtp
    if server is not None:
        _told(sessions, settings, "mailed_at", _mail(settings, server, actor))
    return logged


Tell = Callable[[list[Alarm], Session], None]


def _told(sessions: sessionmaker[Session], settings: Settings, mark: str,
          tell: Tell) -> list[Alarm]:
    """The open alarms whose ``mark`` is unset, told by ``tell`` and marked in one
    transaction (several daemons tell each once: the rows are locked, the rest skipped)."""
    with sessions() as session, session.begin():
        unmarked = getattr(PushAlarm, mark).is_(None)
        query = sa.select(PushAlarm).where(PushAlarm.cleared_at.is_(None), unmarked)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = {row.id: row for row in session.scalars(query)}
        if not rows:
            return []
        alarms = [a for a in open_alarms(settings, session) if a.id in rows]
        if alarms:
            tell(alarms, session)
            now = utcnow()
            for alarm in alarms:
                setattr(rows[alarm.id], mark, now)
        return alarms


def _log(alarms: list[Alarm], session: Session) -> None:
    for alarm in alarms:
        log.error("ALARM: %s", alarm.headline(),
                  extra={"ctx_connector": alarm.connector, "ctx_alarm_id": alarm.id})


def _mail(settings: Settings, server: SmtpSettings, actor: Actor) -> Tell:
    def tell(alarms: list[Alarm], session: Session) -> None:
        smtp.deliver(server, compose(settings, server, alarms))
        details = {"alarms": len(alarms), "people": sum(a.people for a in alarms),
                   "mailed_to": len(server.recipients)}
        audit.record(session, actor, ACTION, details=details)
    return tell


def compose(settings: Settings, server: SmtpSettings, alarms: list[Alarm]) -> EmailMessage:
    """One message to every recipient: who keeps access (a count) and what to do."""
    people = sum(a.people for a in alarms)
    mail = EmailMessage()
    mail["Subject"] = (
        f"[{settings.register.name}] ALARM: {people} person(s) keep LMS access"
    )
    mail["From"] = server.sender
    mail["To"] = ", ".join(server.recipients)
    lines = [
        f"The LMS refused pushes of {settings.register.name}: the changes below have NOT "
        "been made, and the people they concern keep their LMS access until they are.",
        "",
        *(f"  {a.connector}: {a.people} person(s) keep access; {a.pushes} push(es) held "
          f"back since {a.opened_at:%Y-%m-%d %H:%M} UTC.\n  What to do: {a.fix}." for a in alarms),
        "",
        "Once it works (the next `bridge check` or sync proves it), the held pushes run "
        "again by themselves; `bridge status` shows the alarm until then.",
        "(Sent by lms-registry-bridge.)",
    ]
    mail.set_content("\n".join(lines))
    return mail
