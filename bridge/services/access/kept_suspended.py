"""Why an LMS account stays suspended after the service consent is granted (N3).

A grant gives back only the access the register itself took (:func:`restore_access`
queues an unsuspend where the register's latest intent was a suspend). An account that
is suspended for another reason stays suspended, and nothing is pushed: an LMS admin
suspended it, or the register still has a reason of its own (a suppressed identifier of
an erased person, an erasure under way). The person who typed the grant is told so per
account, with the reason the register knows and what would lift it; otherwise the grant
reads as done while the learner still cannot log in.

The register knows an account's suspended state from its last sync of the users stream.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.services.access.intent import latest_access_command
from bridge.services.access.suppression import SuppressionList
from bridge.services.push.outbox import OPEN_STATES, reachable
from bridge.settings import Settings
from bridge.store.models import LmsAccount, OutboxCommand, Person
from bridge.store.queries import lms_accounts

#: The pushes that delete an LMS account (an erasure under way keeps it suspended).
ERASING = ("privacy_delete", "delete_user")

#: Where an admin lifts a suspension by hand, per connector kind.
UNSUSPEND_BY_HAND = {
    "moodle": "an LMS admin unsuspends the user in Moodle: Site administration > Users > "
    "Accounts > Browse list of users, edit the user, untick Suspended account",
}


def stays_suspended(
    session: Session, settings: Settings, person: Person
) -> list[dict[str, Any]]:
    """The person's accounts that stay suspended after a grant, each with why and what
    would lift it. Call it after the grant queued its unsuspends."""
    kept = []
    for account in reachable(lms_accounts(session, person.id), settings.connectors):
        if not account.suspended or account.removed_in_lms_at is not None:
            continue
        reason = _registers_reason(session, settings, person, account)
        if reason is None:
            latest = latest_access_command(session, account.connector, account.lms_user_id)
            if latest is not None and latest.action == "unsuspend" and (
                latest.state in OPEN_STATES
            ):
                continue  # the register gives this access back itself
            kind = settings.connectors[account.connector].kind
            reason = (
                f"suspended in {kind.capitalize()}, not by the register",
                UNSUSPEND_BY_HAND.get(kind, f"an LMS admin unsuspends the account in {kind}"),
            )
        because, to_lift = reason
        kept.append(
            {
                "connector": account.connector,
                "lms_user_id": account.lms_user_id,
                "because": because,
                "to_lift": to_lift,
            }
        )
    return kept


def _registers_reason(
    session: Session, settings: Settings, person: Person, account: LmsAccount
) -> tuple[str, str] | None:
    """(why the register keeps the account suspended, what would lift it), or None.

    Checked even where the grant queued an unsuspend: a suppressed account is revoked
    again by the next sync's drift enforcement."""
    erasing = session.scalars(
        sa.select(OutboxCommand.id).where(
            OutboxCommand.connector == account.connector,
            OutboxCommand.lms_user_id == account.lms_user_id,
            OutboxCommand.action.in_(ERASING),
            OutboxCommand.state.in_(OPEN_STATES),
        )
    ).first()
    if erasing is not None:
        return (
            f"suspended by the register: an erasure of the account is under way (push {erasing})",
            "nothing: the erasure deletes the account (`bridge push list` shows where it stands)",
        )
    suppressed = SuppressionList.load(session, settings, account.connector)
    if suppressed.blocks_id(account.lms_user_id):
        return (
            "suspended by the register: the account belonged to an erased person, and an "
            "erased person's LMS accounts stay suppressed",
            "nothing in the register: give the person a new LMS account",
        )
    if person.email and suppressed.may_block() and (
        suppressed.email_hash(person.email) in suppressed.hashes
    ):
        return (
            "suspended by the register: the e-mail is suppressed (an erased person's), so "
            "every sync revokes the account again",
            f"`bridge suppression lift --email {person.email} --evidence TEXT`",
        )
    return None
