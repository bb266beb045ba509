"""What the access export says of a person's access to the LMS: what the bridge asked for
and what the read-back verified (N3), not the last sync's snapshot of the account.

A withdrawal suspends the account through the outbox, and the push is done only when the
state read back from the LMS shows it; until the next sync the account row still says the
login is open. The letter therefore reads the latest suspend or unsuspend and its
verification, and falls back to the synced flag only where the bridge never asked for one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bridge.services.access.intent import latest_access_command
from bridge.store.models import Consent, LmsAccount


def access_state(session: Session, account: LmsAccount, consents: list[Consent]) -> dict[str, Any]:
    """``state`` (``open``, ``suspended``, ``blocking``, ``blocked``, ``reopening``,
    ``reopened``) with the moments behind it: requested, done, read back, consent withdrawn."""
    withdrawn = [
        c.withdrawn_at
        for c in consents
        if c.purpose == "service" and c.status == "withdrawn" and c.withdrawn_at
    ]
    command = latest_access_command(session, account.connector, account.lms_user_id)
    state: dict[str, Any] = {"consent_withdrawn_at": max(withdrawn) if withdrawn else None}
    if command is None:
        return state | {
            "state": "suspended" if account.suspended else "open",
            "seen_at": account.last_seen_at,
        }
    verified = command.state == "done" and command.verified_at is not None
    if command.action == "suspend":
        name = "blocked" if verified else "blocking"
    else:
        name = "reopened" if verified else "reopening"
    return state | {
        "state": name,
        "requested_at": command.created_at,
        "done_at": command.done_at if verified else None,
        "read_back_at": command.verified_at if verified else None,
    }
