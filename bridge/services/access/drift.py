"""Drift enforcement: whoever the register says has no access (withdrawn, erased, suppressed)
but the LMS shows active again is revoked again, and the event is audited (issue
"Push-back").

It acts on the register's copy of each account, so that copy must be fresh: after a users
listing that was incomplete (a roster that moved while paged), accounts the run did not
list are left alone until a complete listing has read them again."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.services import audit
from bridge.services.access.intent import latest_access_command
from bridge.services.audit import Actor
from bridge.services.push.outbox import OPEN_STATES, LmsUser, enqueue_for_accounts
from bridge.store.models import LmsAccount, Person

NO_ACCESS = ("withdrawn", "erased")


def enforce(
    session: Session,
    actor: Actor,
    connector: str,
    suppressed_ids: Iterable[int] = (),
    *,
    listed: Collection[int] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Queue a suspension for every account that should not have access but has.

    ``listed``: the LMS user ids an incomplete listing did read (``None`` after a complete
    one); other accounts are not checked. Returns the revocations and how many accounts
    were left unchecked for that reason.
    """
    revoked: list[dict[str, Any]] = []
    unchecked = 0
    candidates = session.execute(
        sa.select(LmsAccount, Person.status)
        .join(Person, Person.id == LmsAccount.person_id)
        .where(
            LmsAccount.connector == connector,
            LmsAccount.suspended.is_(False),
            LmsAccount.deleted.is_(False),
            LmsAccount.removed_in_lms_at.is_(None),
            Person.status.in_(NO_ACCESS),
        )
    ).all()
    for account, status in candidates:
        if listed is not None and account.lms_user_id not in listed:
            unchecked += 1
            continue
        latest = latest_access_command(session, connector, account.lms_user_id)
        if latest is not None:
            if latest.action == "unsuspend":
                continue  # the register itself restored access
            if latest.state in OPEN_STATES:
                continue
            seen_active = account.changed_at or account.first_seen_at
            if latest.done_at is not None and seen_active <= latest.done_at:
                continue  # the register's copy predates our verified suspension
        revoked.append(
            _revoke(
                session,
                actor,
                connector,
                account.lms_user_id,
                account.person_id,
                f"drift: active in the LMS although the person is {status}",
            )
        )
    for lms_user_id in sorted(set(suppressed_ids)):
        latest = latest_access_command(session, connector, lms_user_id)
        if latest is not None and latest.state in OPEN_STATES:
            continue
        revoked.append(
            _revoke(
                session,
                actor,
                connector,
                lms_user_id,
                None,
                "drift: an erased (suppressed) person is active in the LMS",
            )
        )
    return revoked, unchecked


def _revoke(
    session: Session,
    actor: Actor,
    connector: str,
    lms_user_id: int,
    person_id: int | None,
    reason: str,
) -> dict[str, Any]:
    [(_, command)] = enqueue_for_accounts(
        session,
        [LmsUser(connector, lms_user_id)],
        "suspend",
        person_id=person_id,
        operator=actor.name,
        reason=reason,
    )
    audit.record(
        session,
        actor,
        "drift revoke",
        person_id=person_id,
        details={"connector": connector, "push": command.id, "reason": reason},
    )
    return {"id": command.id, "lms_user_id": lms_user_id, "reason": reason}
