"""The register's lasting record of each erasure, and the receipt issued again from it.

An erasure's receipt is the only answer the person gets, so losing the file must not lose
the answer: the record keeps the receipt as the erasure produced it and, as the LMS
read-back verifies each deletion (:mod:`bridge.services.push.confirmation`), when it was
confirmed. ``bridge subject receipt`` issues the receipt again at any time from it.

The record holds no personal data the erasure removed: the receipt names the person by
register id only (counts per table, field names, holds, modes), so the reissued letter is
addressed as the first one was, by person and request number. The operator who posts it
takes the address from the request's own correspondence; the register does not keep an
erased address for the sake of a letter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.clock import utcnow
from bridge.errors import UsageError
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.push.confirmation import iso, push_ids
from bridge.services.rights.lms_remains import MODE_LIMITS, NOT_READ_BACK, READ_BACK, kept
from bridge.store.models import ErasureRecord

#: What the receipt says of an LMS part the read-back has not verified yet.
REQUESTED = "requested: not yet confirmed by the LMS read-back"
CONFIRMED = "confirmed: the LMS read-back showed the deletion"


def keep(session: Session, receipt: dict[str, Any], now: datetime) -> ErasureRecord:
    """Record an erasure (in its transaction). One that asked no LMS is complete at once:
    nothing is awaited, and the operator holds the complete receipt already."""
    complete = not push_ids(receipt)
    record = ErasureRecord(
        person_id=receipt["person_id"],
        request_id=receipt.get("request_id"),
        erased_at=now,
        receipt=receipt,
        lms_confirmed={},
        confirmed_at=now if complete else None,
        notified_at=now if complete else None,
        acknowledged_at=now if complete else None,
    )
    session.add(record)
    session.flush()
    return record


def find(session: Session, *, person_id: int | None, request_id: int | None) -> ErasureRecord:
    """The erasure of a person, or the one made for a request."""
    if (person_id is None) == (request_id is None):
        raise UsageError("give --person ID or --request ID")
    query = sa.select(ErasureRecord).order_by(ErasureRecord.id.desc())
    if person_id is not None:
        query = query.where(ErasureRecord.person_id == person_id)
    else:
        query = query.where(ErasureRecord.request_id == request_id)
    record = session.scalars(query).first()
    if record is None:
        which = f"person {person_id}" if person_id is not None else f"request {request_id}"
        raise UsageError(f"the register holds no erasure of {which}")
    return record


def as_issued(record: ErasureRecord, now: datetime) -> dict[str, Any]:
    """The receipt as it stands now: each LMS part requested or confirmed (with the date
    and what the read-back showed the LMS still holds), never more than it showed."""
    confirmed = record.lms_confirmed or {}
    systems = []
    for system in record.receipt.get("systems", []):
        system = dict(system)
        if system.get("push"):
            at = confirmed.get(str(system["push"]))
            system["state"] = CONFIRMED if at else REQUESTED
            system["confirmed_at"] = at
            system.update(_remains(system, (record.lms_remains or {}).get(str(system["push"]))))
        systems.append(system)
    return {
        **record.receipt,
        "systems": systems,
        "status": "confirmed" if record.confirmed_at else "requested",
        "confirmed_at": iso(record.confirmed_at) if record.confirmed_at else None,
        "issued_at": iso(now),
    }


def _remains(system: dict[str, Any], read: dict[str, Any] | None) -> dict[str, Any]:
    """What an LMS part says remains: before confirmation, the mode's known limits (in
    today's words, also for receipts recorded earlier); once confirmed, the places the
    read-back still counted, or that nothing was read back."""
    if not system.get("confirmed_at"):
        return {"remains": MODE_LIMITS.get(system.get("mode", ""), system.get("remains"))}
    if read is None:
        return {"remains": NOT_READ_BACK, "kept_in_lms": None}
    return {"remains": READ_BACK, "kept_in_lms": kept(read)}


def reissue(
    session: Session,
    actor: Actor,
    *,
    person_id: int | None = None,
    request_id: int | None = None,
) -> dict[str, Any]:
    """The receipt of a past erasure, issued again (audited: it is read for the person).

    Issuing a confirmed receipt is the privacy officer taking the confirmation on, so it
    is no longer listed as unacknowledged in ``bridge status``."""
    record = find(session, person_id=person_id, request_id=request_id)
    now = utcnow()
    receipt = as_issued(record, now)
    if record.confirmed_at is not None and record.acknowledged_at is None:
        record.acknowledged_at = now
    audit.record(
        session,
        actor,
        "subject receipt",
        person_id=record.person_id,
        request_id=record.request_id,
        details={"status": receipt["status"], "erased_at": receipt.get("erased_at")},
    )
    return receipt


def acknowledge_for_request(session: Session, request_id: int, now: datetime) -> None:
    """Closing the linked request takes a confirmed erasure on too."""
    session.execute(
        sa.update(ErasureRecord)
        .where(
            ErasureRecord.request_id == request_id,
            ErasureRecord.confirmed_at.is_not(None),
            ErasureRecord.acknowledged_at.is_(None),
        )
        .values(acknowledged_at=now)
    )
