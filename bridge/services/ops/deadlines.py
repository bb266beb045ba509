"""Open data-subject requests near or past their deadline (GDPR art. 12(3)), as the
reminders carry them: ids, types and dates only, never who asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bridge.services.rights.requests import due_soon
from bridge.store.models import SubjectRequest


@dataclass(frozen=True)
class Due:
    request_id: int
    type: str
    deadline: date
    overdue: bool


def due_requests(session: Session, today: date, within_days: int) -> list[Due]:
    """Open requests due within ``within_days`` of ``today`` or overdue; an extended
    deadline replaces the original one."""
    return [_due(request, today) for request in due_soon(session, today, within_days)]


def _due(request: SubjectRequest, today: date) -> Due:
    deadline = request.extended_deadline or request.deadline
    return Due(request.id, request.type, deadline, deadline < today)
