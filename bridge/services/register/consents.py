"""Consent rows (N11): a person's consent per purpose and channel, kept as history.

The service consent (:mod:`bridge.services.access.service_consent`, which also takes or
gives course access), the other purposes (:mod:`bridge.services.rights.consent`) and the
marketing opt-ins (:mod:`bridge.services.rights.marketing`) read and change a consent
here, so that a change is written the same way whoever makes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.clock import utcnow
from bridge.services import audit
from bridge.services.audit import Actor, journal
from bridge.store.models import Consent, Person

#: The audit action of a consent change, by the status it leaves.
AUDIT_ACTIONS = {"withdrawn": "consent withdraw", "granted": "consent grant"}


@dataclass
class ConsentChange:
    person_id: int
    purpose: str
    channel: str | None
    changed: bool
    status: str
    pushes: list[dict[str, Any]] = field(default_factory=list)
    #: The marketing channels the change concerns (all of them for a withdrawal that
    #: named none).
    channels: tuple[str, ...] = ()
    #: After a service grant: the LMS accounts that stay suspended, why and what lifts it.
    stays_suspended: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "purpose": self.purpose,
            "channel": self.channel,
            "channels": list(self.channels or ((self.channel,) if self.channel else ())),
            "changed": self.changed,
            "status": self.status,
            "pushes": self.pushes,
            "stays_suspended": self.stays_suspended,
        }


def latest_consent(
    session: Session, person_id: int, purpose: str, channel: str | None
) -> Consent | None:
    query = sa.select(Consent).where(Consent.person_id == person_id, Consent.purpose == purpose)
    query = query.where(
        Consent.channel.is_(None) if channel is None else Consent.channel == channel
    )
    return session.scalars(query.order_by(Consent.id.desc()).limit(1)).first()


def set_consent(
    session: Session,
    actor: Actor,
    person: Person,
    purpose: str,
    channel: str | None,
    status: str,
    evidence: str,
) -> bool:
    """Bring the person's consent to ``status`` ("granted" or "withdrawn"); False when it
    was there already. A withdrawal closes a granted row, which gains the evidence; any
    other change is a new row."""
    now = utcnow()
    latest = latest_consent(session, person.id, purpose, channel)
    if latest is not None and latest.status == status:
        return False
    if status == "withdrawn" and latest is not None and latest.status == "granted":
        latest.status, latest.withdrawn_at = "withdrawn", now
        latest.evidence = "\n".join(filter(None, [latest.evidence, evidence]))
    else:  # a new row: the history is kept, a later change never rewrites an earlier one
        session.add(
            Consent(
                person_id=person.id,
                purpose=purpose,
                channel=channel,
                status=status,
                granted_at=now if status == "granted" else None,
                withdrawn_at=now if status == "withdrawn" else None,
                evidence=evidence,
                recorded_by=actor.name,
                source="admin",
                first_seen_at=now,
            )
        )
    if status == "withdrawn":  # a restore from backup re-applies it
        journal.note(session, journal.WITHDRAWAL, person, purpose=purpose, channel=channel)
    return True


def audited(
    session: Session, actor: Actor, change: ConsentChange, reason: str
) -> ConsentChange:
    """Write the audit row of ``change`` (with the pushes it queued) and return it."""
    audit.record(
        session,
        actor,
        AUDIT_ACTIONS[change.status],
        person_id=change.person_id,
        details={
            "purpose": change.purpose,
            "channel": change.channel,
            "reason": reason,
            "pushes": change.pushes,
        },
    )
    return change
