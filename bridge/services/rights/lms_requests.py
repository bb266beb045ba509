"""Answering in the LMS a request the person filed there (``bridge.services.sync.
data_requests`` records it): when the register carries it out or refuses it, the LMS's own
request is completed or rejected too, so the person sees the answer where they asked.

* An erasure (``bridge subject erase --request N``): with ``erasure = "privacy_request"``
  the person's own delete request is the one approved (the account is suspended first, as
  for any erasure), never a second one created; with ``delete_user`` the account is
  deleted and then the person's request approved, so Moodle completes it.
* An export (``bridge subject export --request N``): the register's letter, and the LMS
  request approved so the LMS makes its own export of what it holds.
* A refusal (``bridge request reject N --reason``): the LMS request is rejected. Moodle's
  deny function takes no comment, so the reason reaches the person in the register's
  answer (and in the register's record of the request), while Moodle shows "Rejected".

Every LMS action goes through the outbox like any push: written in the same transaction as
the register change, carried out and read back by the push worker, never lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.clock import utcnow
from bridge.errors import UsageError
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.push.outbox import AccountKey, LmsUser, Push, enqueue_for_accounts
from bridge.services.rights.requests import get_request
from bridge.settings import Settings
from bridge.store.models import OutboxCommand, SubjectRequest

#: The LMS actions that answer a person's own request, carrying its LMS request id.
ANSWERING = ("privacy_delete", "approve_request", "deny_request")


def filed_in_lms(session: Session, request_id: int | None) -> SubjectRequest | None:
    """The register's request when the person filed it in an LMS, else None."""
    if request_id is None:
        return None
    request = get_request(session, request_id)
    return request if request.lms_request_id is not None else None


def _is_theirs(filed: SubjectRequest | None, account: AccountKey) -> bool:
    return (
        filed is not None
        and filed.lms_connector == account.connector
        and filed.lms_user_id == account.lms_user_id
    )


def erasure_pushes(
    filed: SubjectRequest | None, account: AccountKey, mode: str, action: str
) -> list[Push]:
    """The erasure's commands for one account (``action`` for its LMS ``mode``), answering
    the person's own request when it was filed on this account."""
    if not _is_theirs(filed, account):
        return [Push(action)]
    if mode == "privacy_request":  # access ends now; their request is the one approved
        return [Push("suspend"), Push(action)]
    return [Push(action), Push("approve_request")]


def attach(
    filed: SubjectRequest | None, queued: Iterable[tuple[AccountKey, OutboxCommand]]
) -> None:
    """Give the commands that answer the person's request its LMS request id."""
    for account, command in queued:
        if _is_theirs(filed, account) and command.action in ANSWERING:
            command.lms_request_id = filed.lms_request_id  # type: ignore[union-attr]


def _queue(
    session: Session,
    settings: Settings,
    actor: Actor,
    request: SubjectRequest,
    action: str,
    reason: str,
) -> list[int]:
    """One answering command for the request's LMS account, unless one is already queued
    or done (running the export twice asks the LMS once)."""
    if request.lms_connector not in settings.connectors:
        return []  # the connector was removed from the configuration: nothing to answer
    earlier = session.scalar(
        sa.select(OutboxCommand.id).where(
            OutboxCommand.connector == request.lms_connector,
            OutboxCommand.lms_request_id == request.lms_request_id,
            OutboxCommand.action == action,
            OutboxCommand.state != "failed",
        )
    )
    if earlier is not None:
        return []
    account = LmsUser(request.lms_connector or "", request.lms_user_id or 0)
    queued = enqueue_for_accounts(
        session, [account], action, person_id=request.person_id, operator=actor.name,
        reason=reason, request_id=request.id,
    )
    attach(request, queued)
    return [command.id for _, command in queued]


def answer_export(
    session: Session, settings: Settings, actor: Actor, request_id: int | None
) -> Sequence[int]:
    """After the register's letter: approve the person's own export request in the LMS."""
    filed = filed_in_lms(session, request_id)
    if filed is None or filed.type != "access":
        return []
    return _queue(session, settings, actor, filed, "approve_request", "export request answered")


def reject(
    session: Session, settings: Settings, actor: Actor, request_id: int, *, reason: str
) -> SubjectRequest:
    """Refuse a request with the reason the person is told (GDPR art. 12(4)): the register's
    request is closed, and the LMS's own one, if the person filed it there, rejected."""
    request = get_request(session, request_id, open_only=True)
    if not reason.strip():
        raise UsageError("--reason is required: the person must be told why (art. 12(4))")
    request.status, request.closed_at = "closed", utcnow()
    request.outcome = f"rejected: {reason.strip()}"
    pushes = (
        _queue(session, settings, actor, request, "deny_request", "request rejected")
        if request.lms_request_id is not None else []
    )
    audit.record(
        session,
        actor,
        "request reject",
        person_id=request.person_id,
        request_id=request.id,
        details={"lms_request_id": request.lms_request_id, "push": pushes},
    )
    return request
