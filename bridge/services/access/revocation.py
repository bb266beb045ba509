"""Revoking and restoring a person's course access in every connector (N3): one suspend
(and, per connector mode, the unenrolments) or one unsuspend per reachable account, queued
in the caller's transaction with the register change that asks for it (the outbox).
An account whose latest access intent already says so gets nothing new."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.services.access.intent import last_access_intent
from bridge.services.audit import Actor
from bridge.services.push.outbox import AccountKey, Push, enqueue_for_accounts, reachable
from bridge.settings import Settings
from bridge.store.models import LmsEnrolment, Person
from bridge.store.queries import lms_accounts


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


def restore_access(
    session: Session, settings: Settings, actor: Actor, person: Person, reason: str
) -> list[dict[str, Any]]:
    """Queue an unsuspend for every reachable account whose access the register revoked."""
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
    return [
        {"id": command.id, "connector": command.connector, "action": "unsuspend"}
        for _, command in queued
    ]
