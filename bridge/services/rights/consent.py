"""Consent withdrawal and grant (N3, N11). Withdrawing the service consent revokes the
person's course access in every connector; the register change and the push commands are
written in one transaction (the outbox)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.clock import utcnow
from bridge.errors import UsageError
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.push.outbox import (
    AccountKey,
    Push,
    enqueue_for_accounts,
    latest_access_command,
    reachable,
)
from bridge.settings import Settings
from bridge.store.models import Consent, LmsEnrolment, Person
from bridge.store.people import CHANNELS, PURPOSES
from bridge.store.queries import lms_accounts


@dataclass
class ConsentChange:
    person_id: int
    purpose: str
    channel: str | None
    changed: bool
    status: str
    pushes: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "purpose": self.purpose,
            "channel": self.channel,
            "changed": self.changed,
            "status": self.status,
            "pushes": self.pushes,
        }


def _check(purpose: str, channel: str | None) -> None:
    if purpose not in PURPOSES:
        raise UsageError(f"unknown purpose {purpose!r} (known: {', '.join(PURPOSES)})")
    if purpose == "marketing" and channel not in CHANNELS:
        raise UsageError(f"marketing consent needs --channel, one of {', '.join(CHANNELS)}")
    if purpose == "service" and channel is not None:
        raise UsageError("the service consent has no channel")


def latest_consent(
    session: Session, person_id: int, purpose: str, channel: str | None
) -> Consent | None:
    query = sa.select(Consent).where(Consent.person_id == person_id, Consent.purpose == purpose)
    query = query.where(
        Consent.channel.is_(None) if channel is None else Consent.channel == channel
    )
    return session.scalars(query.order_by(Consent.id.desc()).limit(1)).first()


def last_access_intent(session: Session, connector: str, lms_user_id: int) -> str | None:
    """The latest suspend/unsuspend the register asked for this account (any state)."""
    latest = latest_access_command(session, connector, lms_user_id)
    return latest.action if latest is not None else None


def revoke_access(
    session: Session,
    settings: Settings,
    actor: Actor,
    person: Person,
    reason: str,
    *,
    request_id: int | None = None,
) -> list[dict[str, Any]]:
    """Queue the revocation of every LMS account of the person, per connector mode."""
    accounts = [
        account
        for account in reachable(lms_accounts(session, person.id), settings.connectors)
        # Already asked for (and done or under way): nothing new to push.
        if last_access_intent(session, account.connector, account.lms_user_id) != "suspend"
    ]

    def suspend_then_unenrol(account: AccountKey) -> list[Push]:
        pushes = [Push("suspend")]
        if settings.connectors[account.connector].revoke_access == "suspend_and_unenrol":
            courses = _active_courses(session, account)
            if courses:
                pushes.append(Push("unenrol", {"course_ids": courses}))
        return pushes

    queued = enqueue_for_accounts(
        session,
        accounts,
        suspend_then_unenrol,
        person_id=person.id,
        operator=actor.name,
        reason=reason,
        request_id=request_id,
    )
    return [
        {"id": command.id, "connector": command.connector, "action": command.action}
        | ({"courses": command.payload["course_ids"]} if command.action == "unenrol" else {})
        for _, command in queued
    ]


def _active_courses(session: Session, account: AccountKey) -> list[int]:
    return list(
        session.scalars(
            sa.select(LmsEnrolment.lms_course_id)
            .where(
                LmsEnrolment.connector == account.connector,
                LmsEnrolment.lms_user_id == account.lms_user_id,
                LmsEnrolment.status == "active",
                LmsEnrolment.removed_in_lms_at.is_(None),
            )
            .order_by(LmsEnrolment.lms_course_id)
        )
    )


def record_consent(
    session: Session,
    actor: Actor,
    person: Person,
    purpose: str,
    channel: str | None,
    status: str,
    evidence: str,
) -> None:
    """A new consent row: the history is kept, a later change never rewrites an earlier one."""
    now = utcnow()
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


def withdraw(
    session: Session,
    settings: Settings,
    actor: Actor,
    person: Person,
    *,
    purpose: str,
    channel: str | None = None,
    reason: str,
    evidence: str | None = None,
) -> ConsentChange:
    _check(purpose, channel)
    now = utcnow()
    latest = latest_consent(session, person.id, purpose, channel)
    changed = latest is None or latest.status != "withdrawn"
    if changed:
        if latest is not None and latest.status == "granted":
            latest.status, latest.withdrawn_at = "withdrawn", now
            latest.evidence = "\n".join(filter(None, [latest.evidence, evidence or reason]))
        else:
            record_consent(
                session, actor, person, purpose, channel, "withdrawn", evidence or reason
            )
    pushes: list[dict[str, Any]] = []
    if purpose == "service":
        if person.status == "active":
            person.status = "withdrawn"
            changed = True
        pushes = revoke_access(session, settings, actor, person, reason)
    audit.record(
        session,
        actor,
        "consent withdraw",
        person_id=person.id,
        details={"purpose": purpose, "channel": channel, "reason": reason, "pushes": pushes},
    )
    return ConsentChange(person.id, purpose, channel, changed or bool(pushes), "withdrawn", pushes)


def grant(
    session: Session,
    settings: Settings,
    actor: Actor,
    person: Person,
    *,
    purpose: str,
    channel: str | None = None,
    reason: str,
    evidence: str | None = None,
) -> ConsentChange:
    _check(purpose, channel)
    if person.status == "erased":
        raise UsageError(f"person {person.id} was erased; lift the suppression first")
    latest = latest_consent(session, person.id, purpose, channel)
    changed = latest is None or latest.status != "granted"
    if changed:
        record_consent(session, actor, person, purpose, channel, "granted", evidence or reason)
    pushes: list[dict[str, Any]] = []
    if purpose == "service":
        if person.status == "withdrawn":
            person.status = "active"
            changed = True
        suspended = [
            account
            for account in reachable(lms_accounts(session, person.id), settings.connectors)
            if last_access_intent(session, account.connector, account.lms_user_id) == "suspend"
        ]
        queued = enqueue_for_accounts(
            session,
            suspended,
            "unsuspend",
            person_id=person.id,
            operator=actor.name,
            reason=reason,
        )
        pushes = [
            {"id": command.id, "connector": command.connector, "action": "unsuspend"}
            for _, command in queued
        ]
    audit.record(
        session,
        actor,
        "consent grant",
        person_id=person.id,
        details={"purpose": purpose, "channel": channel, "reason": reason, "pushes": pushes},
    )
    return ConsentChange(person.id, purpose, channel, changed, "granted", pushes)
