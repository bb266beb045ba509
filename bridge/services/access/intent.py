"""The latest access intent per account: what the register last asked the LMS to do about
an account's login (suspend or unsuspend), whatever became of the command.

Revocation, restoring and drift read it, so that access is asked for once and an account
the register itself restored is not revoked again.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.store.models import OutboxCommand

#: The commands that change whether an account can log in.
ACCESS_ACTIONS = ("suspend", "unsuspend")


def latest_access_command(
    session: Session, connector: str, lms_user_id: int
) -> OutboxCommand | None:
    """The latest suspend or unsuspend the register asked for this account (any state)."""
    return session.scalars(
        sa.select(OutboxCommand)
        .where(
            OutboxCommand.connector == connector,
            OutboxCommand.lms_user_id == lms_user_id,
            OutboxCommand.action.in_(ACCESS_ACTIONS),
        )
        .order_by(OutboxCommand.id.desc())
        .limit(1)
    ).first()


def last_access_intent(session: Session, connector: str, lms_user_id: int) -> str | None:
    """The latest suspend/unsuspend the register asked for this account (any state)."""
    latest = latest_access_command(session, connector, lms_user_id)
    return latest.action if latest is not None else None
