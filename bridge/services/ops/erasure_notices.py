"""Telling the privacy officer that an erasure is confirmed: once the LMS read-back has
verified every deletion an erasure asked for (:mod:`bridge.services.push.confirmation`),
a log line names the person id and request, and when ``[notify.smtp]`` is configured an
e-mail lists them. Each confirmation is told once (``notified_at``), after the push pass
that confirmed it, by the daemon's push job or by ``bridge push run``; a mail that fails
is tried again at the next pass. Like the deadline reminder, the mail holds ids and dates
only.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import utcnow
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.ops import smtp
from bridge.services.push.confirmation import iso
from bridge.settings import Settings
from bridge.settings.schema import SmtpSettings
from bridge.store.models import ErasureRecord

log = logging.getLogger(__name__)

#: The audit action of one telling (one row per pass that told something, with counts).
ACTION = "erasure confirmations"


def tell_confirmed(
    sessions: sessionmaker[Session], settings: Settings, actor: Actor
) -> list[dict[str, object]]:
    """Log and mail the erasures confirmed since the last telling; returns what was told."""
    with sessions() as session, session.begin():
        query = (
            sa.select(ErasureRecord)
            .where(ErasureRecord.confirmed_at.is_not(None), ErasureRecord.notified_at.is_(None))
            .order_by(ErasureRecord.confirmed_at, ErasureRecord.id)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)  # several daemons tell it once
        records = list(session.scalars(query))
        if not records:
            return []
        told = [_told(r) for r in records]
        for item in told:
            log.info(
                "erasure of person %s (request %s) confirmed by the LMS read-back at %s: "
                "`bridge subject receipt --person %s` issues the confirmed receipt",
                item["person_id"],
                item["request_id"] or "none",
                item["confirmed_at"],
                item["person_id"],
                extra={"ctx_person_id": item["person_id"], "ctx_request_id": item["request_id"]},
            )
        server = settings.notify.smtp
        if server is not None:
            smtp.deliver(server, compose(settings, server, told))
        now = utcnow()
        for record in records:
            record.notified_at = now
        audit.record(
            session,
            actor,
            ACTION,
            details={"confirmed": len(told), "mailed_to": len(server.recipients) if server else 0},
        )
    return told


def _told(record: ErasureRecord) -> dict[str, object]:
    assert record.confirmed_at is not None
    return {
        "person_id": record.person_id,
        "request_id": record.request_id,
        "confirmed_at": iso(record.confirmed_at),
    }


def compose(
    settings: Settings, server: SmtpSettings, told: list[dict[str, object]]
) -> EmailMessage:
    """One message to every recipient: person ids, request ids and dates, no names."""
    mail = EmailMessage()
    mail["Subject"] = f"[{settings.register.name}] {len(told)} erasure(s) confirmed"
    mail["From"] = server.sender
    mail["To"] = ", ".join(server.recipients)
    lines = [
        f"The LMS read-back confirmed these erasures in {settings.register.name}:",
        "",
        *(
            f"  person {t['person_id']:>6}  request {t['request_id'] or '-':>6}  "
            f"confirmed {t['confirmed_at']}"
            for t in told
        ),
        "",
        "`bridge subject receipt --person ID` issues each confirmed receipt; a linked "
        "request can now be closed (`bridge request close`).",
        "(Sent by lms-registry-bridge.)",
    ]
    mail.set_content("\n".join(lines))
    return mail
