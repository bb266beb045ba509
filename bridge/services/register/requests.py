"""A data-subject request's row and its audit entry, however the request arrived.

Both the office's `bridge request open` (:mod:`bridge.services.rights.requests`, which
checks the operator's input first) and a sync that finds a learner's own request in the
LMS (:mod:`bridge.services.sync.data_requests`) record a request here, so the deadline
rule and the audit row are written once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from bridge.services import audit
from bridge.services.audit import Actor
from bridge.settings.durations import add_months
from bridge.store.models import SubjectRequest

#: One month to answer, counted from receipt (GDPR art. 12(3)).
ANSWER_MONTHS = 1


def record_request(
    session: Session,
    actor: Actor,
    *,
    person_id: int | None,
    type_: str,
    received_on: date,
    channel: str | None,
    note: str | None = None,
    lms: dict[str, Any] | None = None,
) -> SubjectRequest:
    """Add an open request due one calendar month from receipt, with its ``request open``
    audit row. ``lms`` holds where a request filed in an LMS came from (``source``,
    ``lms_connector``, ``lms_request_id``, ``lms_user_id``)."""
    request = SubjectRequest(
        person_id=person_id,
        type=type_,
        channel=channel,
        received_on=received_on,
        deadline=add_months(received_on, ANSWER_MONTHS),
        status="open",
        note=note,
        opened_by=actor.name,
        **(lms or {}),
    )
    session.add(request)
    session.flush()
    details = {"type": type_, "channel": channel, "deadline": request.deadline.isoformat()}
    if request.source:
        details["source"] = request.source
    audit.record(
        session,
        actor,
        "request open",
        person_id=person_id,
        request_id=request.id,
        details=details,
    )
    return request
