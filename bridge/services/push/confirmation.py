"""An erasure's LMS part is confirmed by the read-back, in the transaction that settles its
push: the erasure record (:class:`~bridge.store.models.ErasureRecord`) notes when each
push was verified, and becomes *confirmed* once every LMS it asked has verified the
deletion. The receipt issued from then on says confirmed, with the date, and what the LMS
read back as still naming the person (``lms_remains``); before, it says requested
(CONTRACTS 6). Telling the privacy officer follows from the record
(:mod:`bridge.services.ops.erasure_notices`), so a crash between the two loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.store.models import ErasureRecord, OutboxCommand, SubjectRequest

#: The outbox actions that carry out an erasure in an LMS.
ERASURE_ACTIONS = frozenset({"privacy_delete", "delete_user"})


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def push_ids(receipt: dict[str, object]) -> list[int]:
    """The pushes an erasure receipt names, one per LMS account it asked."""
    systems = receipt.get("systems") or []
    return [int(s["push"]) for s in systems if isinstance(s, dict) and s.get("push")]


def record_verified(
    session: Session,
    command: OutboxCommand,
    now: datetime,
    remains: Mapping[str, int | bool] | None = None,
) -> None:
    """Note that ``command`` (an erasure push) was verified done at ``now``, with what the
    LMS read back as still naming the account (``None``: not read back)."""
    if command.action not in ERASURE_ACTIONS or command.person_id is None:
        return
    record = session.scalars(
        sa.select(ErasureRecord)
        .where(ErasureRecord.person_id == command.person_id)
        .order_by(ErasureRecord.id.desc())
        .with_for_update()
    ).first()
    if record is None or command.id not in push_ids(record.receipt):
        return
    confirmed = {**(record.lms_confirmed or {}), str(command.id): iso(now)}
    record.lms_confirmed = confirmed  # a new dict, so the JSON column is written
    if remains is not None:
        record.lms_remains = {**(record.lms_remains or {}), str(command.id): dict(remains)}
    if record.confirmed_at is None and all(
        str(i) in confirmed for i in push_ids(record.receipt)
    ):
        record.confirmed_at = now
        _note_on_request(session, record, now)


def _note_on_request(session: Session, record: ErasureRecord, now: datetime) -> None:
    """The linked request's artefact says the erasure is confirmed, so it can be closed."""
    if record.request_id is None:
        return
    request = session.get(SubjectRequest, record.request_id)
    if request is not None:
        request.artefact = {**(request.artefact or {}), "erasure_confirmed_at": iso(now)}
