"""The register of data-subject requests (N11) and their GDPR art. 12(3) deadlines.

A request is answered within one month of receipt; the controller may extend that by two
further months, once, giving the reason. Months are calendar months as Regulation (EEC,
Euratom) No 1182/71 counts them: the period ends on the same day of the month, or on the
month's last day when that day does not exist (31 January → 28 or 29 February).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.clock import utcnow
from bridge.errors import UsageError
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.register.requests import ANSWER_MONTHS, record_request
from bridge.services.rights.erasure_record import acknowledge_for_request
from bridge.settings.durations import add_months

# Re-exported: the commands offer them as choices.
from bridge.store.governance import REQUEST_CHANNELS as REQUEST_CHANNELS
from bridge.store.governance import REQUEST_TYPES as REQUEST_TYPES
from bridge.store.models import Person, SubjectRequest
from bridge.store.queries import effective_deadline, effective_deadline_column, list_requests

#: One month to answer (art. 12(3)); an extension adds two further months.
EXTENSION_MONTHS = 2


def as_dict(request: SubjectRequest, today: date | None = None) -> dict[str, Any]:
    today = today or utcnow().date()
    due = effective_deadline(request)
    return {
        "id": request.id,
        "person_id": request.person_id,
        "type": request.type,
        "channel": request.channel,
        "received_on": request.received_on,
        "deadline": request.deadline,
        "extended_deadline": request.extended_deadline,
        "extension_reason": request.extension_reason,
        "due": due,
        "days_left": (due - today).days,
        "overdue": request.status == "open" and due < today,
        "status": request.status,
        "note": request.note,
        "outcome": request.outcome,
        "artefact": request.artefact,
        "opened_by": request.opened_by,
        "source": request.source,
        "lms_request_id": request.lms_request_id,
        "created_at": request.created_at,
        "closed_at": request.closed_at,
    }


def open_request(
    session: Session,
    actor: Actor,
    *,
    person: Person | None,
    type_: str,
    received_on: date,
    channel: str | None = None,
    note: str | None = None,
    today: date | None = None,
) -> SubjectRequest:
    """Record a request; its deadline is one calendar month from receipt."""
    if type_ not in REQUEST_TYPES:
        raise UsageError(f"--type must be one of {', '.join(REQUEST_TYPES)}")
    if channel is not None and channel not in REQUEST_CHANNELS:
        raise UsageError(f"--channel must be one of {', '.join(REQUEST_CHANNELS)}")
    if received_on > (today or utcnow().date()):
        raise UsageError(f"--received {received_on} is in the future")
    return record_request(
        session,
        actor,
        person_id=person.id if person else None,
        type_=type_,
        received_on=received_on,
        channel=channel,
        note=note,
    )


def get_request(session: Session, request_id: int, *, open_only: bool = False) -> SubjectRequest:
    request = session.get(SubjectRequest, request_id)
    if request is None:
        raise UsageError(f"no request {request_id} in the register")
    if open_only and request.status != "open":
        raise UsageError(f"request {request_id} is {request.status}, not open")
    return request


def extend(session: Session, actor: Actor, request_id: int, *, reason: str) -> SubjectRequest:
    """Extend by two further months (once), with the reason the person must be told."""
    request = get_request(session, request_id, open_only=True)
    if request.extended_deadline is not None:
        raise UsageError(
            f"request {request_id} was already extended to {request.extended_deadline}"
        )
    if not reason.strip():
        raise UsageError("--reason is required: the person must be told why (art. 12(3))")
    # Counted from receipt, like the first month: 31 Jan → 30 Apr, not 28 Feb + 2 months.
    request.extended_deadline = add_months(request.received_on, ANSWER_MONTHS + EXTENSION_MONTHS)
    request.extension_reason = reason.strip()
    audit.record(
        session,
        actor,
        "request extend",
        person_id=request.person_id,
        request_id=request.id,
        details={"extended_deadline": request.extended_deadline.isoformat()},
    )
    return request


def close(session: Session, actor: Actor, request_id: int, *, outcome: str) -> SubjectRequest:
    request = get_request(session, request_id, open_only=True)
    if not outcome.strip():
        raise UsageError("--outcome is required")
    request.status, request.outcome, request.closed_at = "closed", outcome.strip(), utcnow()
    acknowledge_for_request(session, request.id, request.closed_at)
    audit.record(
        session,
        actor,
        "request close",
        person_id=request.person_id,
        request_id=request.id,
        details={"late": request.closed_at.date() > effective_deadline(request)},
    )
    return request


def link_artefact(
    session: Session, request_id: int | None, person_id: int, kind: str, value: Any
) -> None:
    """Attach what executing a request produced (export, receipt, change) to the request."""
    if request_id is None:
        return
    request = get_request(session, request_id)
    if request.person_id is None:
        request.person_id = person_id
    elif request.person_id != person_id:
        raise UsageError(
            f"request {request_id} is about person {request.person_id}, not {person_id}"
        )
    request.artefact = {**(request.artefact or {}), kind: value}


def due_soon(session: Session, today: date, within_days: int) -> list[SubjectRequest]:
    """Open requests due within ``within_days`` days of ``today``, or already overdue."""
    limit = date.fromordinal(today.toordinal() + within_days)
    return list(
        session.scalars(
            sa.select(SubjectRequest)
            .where(SubjectRequest.status == "open", effective_deadline_column() <= limit)
            .order_by(effective_deadline_column(), SubjectRequest.id)
        )
    )


def list_for_operator(
    session: Session,
    actor: Actor,
    today: date,
    *,
    overdue: bool = False,
    include_closed: bool = False,
    person_id: int | None = None,
) -> list[SubjectRequest]:
    """``list_requests`` for a person at the keyboard: who looked at which list is audited."""
    requests = list_requests(
        session, today, overdue=overdue, include_closed=include_closed, person_id=person_id
    )
    audit.record(
        session,
        actor,
        "request list",
        person_id=person_id,
        details={"count": len(requests), "overdue": overdue},
    )
    return requests
