"""Employer relationships whose end was recorded ahead: access ends when the day comes (N3).

``bridge relationship end --org X --date D`` with ``D`` today or earlier ends the
relationships and withdraws access at once. An end recorded ahead (``relationship end``
with a future ``--date``, ``relationship add --end`` or an imported end date in the future)
is kept as the relationship's ``pending_end_on``; the daemon's ``contract_ends`` job
carries it out on that day (or at its first run after), with the same rule as the
command: employees whose only basis was the employer's relationship lose their service
consent, the others keep access, with the reason in the audit row.

* An end date already past when it is recorded (imported history) is never pending: it
  is a fact, not an instruction; ``relationship end`` is how an operator ends access for it.
* A pending end is carried out once, then cleared. Moved ahead again (a contract extended
  after all), it is pending again and carried out on its new day.
* An employer with another relationship in force on the day keeps its employees' access
  (a renewed contract); the end is carried out with nobody withdrawn.
* ``relationship end`` on a day not ahead carries out the employer's pending ends up to
  that day itself.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date
from itertools import groupby

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.services import audit
from bridge.services.access.employer import EmployerRevocation, withdraw_employees
from bridge.services.audit import Actor
from bridge.services.register.relationships import active_on, clear_pending_ends
from bridge.settings import Settings
from bridge.store.models import CustomerRelationship, Organisation

log = logging.getLogger(__name__)

#: The audit action of an end carried out by the job.
ACTION = "relationship end carried out"


@dataclass(frozen=True)
class DueEnd:
    """One employer's relationships that ended on ``date`` and still await their effect."""

    organisation_id: int
    business_id: str
    date: date
    relationship_ids: tuple[int, ...]


def due_ends(session: Session, today: date) -> list[DueEnd]:
    """The pending ends that have come by ``today``, by employer and date (oldest first)."""
    rows = session.execute(
        sa.select(CustomerRelationship.id, Organisation.id, Organisation.business_id,
                  CustomerRelationship.pending_end_on)
        .join(Organisation, Organisation.id == CustomerRelationship.organisation_id)
        .where(CustomerRelationship.pending_end_on <= today)
        .order_by(CustomerRelationship.pending_end_on, Organisation.id, CustomerRelationship.id)
    ).all()
    return [
        DueEnd(org_id, business_id, day, tuple(row[0] for row in group))
        for (org_id, business_id, day), group in groupby(rows, key=lambda row: row[1:])
    ]


def carry_out(
    session: Session, settings: Settings, actor: Actor, end: DueEnd, today: date
) -> EmployerRevocation:
    """Withdraw the access that rested on ``end``'s relationships, in the caller's
    transaction, clear the end and audit it (also when a renewed relationship keeps
    everyone's access)."""
    org = session.get_one(Organisation, end.organisation_id)
    renewal = session.scalar(
        sa.select(CustomerRelationship.id)
        .where(CustomerRelationship.organisation_id == org.id, active_on(today))
        .order_by(CustomerRelationship.id)
        .limit(1)
    )
    if renewal is not None:
        result = EmployerRevocation(org.business_id, today)
    else:
        reason = f"relationship of employer {org.business_id} ended on {end.date.isoformat()}"
        result = withdraw_employees(session, settings, actor, org, today, reason)
    result.ended = clear_pending_ends(session, org.id, end.date)
    audit.record(session, actor, ACTION, details={
        "business_id": org.business_id,
        "date": end.date.isoformat(),
        "relationship_ids": result.ended,
        "withdrawn": len(result.withdrawn),
        "kept": len(result.kept),
        "renewed_by": renewal,
    })
    return result


def carry_out_due(
    sessions: sessionmaker[Session],
    settings: Settings,
    actor: Actor,
    today: date,
    stop: threading.Event | None = None,
) -> list[tuple[DueEnd, EmployerRevocation]]:
    """Carry out every end due by ``today``, each employer's in its own transaction. One
    that fails is logged and the others go on (it is retried at the next run); a set
    ``stop`` ends the loop between employers."""
    with sessions() as session:
        due = due_ends(session, today)
    done = []
    for end in due:
        if stop is not None and stop.is_set():
            break
        try:
            with sessions() as session, session.begin():
                done.append((end, carry_out(session, settings, actor, end, today)))
        except Exception as exc:  # one employer's failure must not hold up the others
            # The error's type only: a database error's text can quote the row.
            log.error("relationship end of employer %s on %s not carried out: %s (retried at "
                      "the next run)", end.business_id, end.date.isoformat(),
                      type(exc).__name__, extra={"ctx_business_id": end.business_id,
                                                 "ctx_error_type": type(exc).__name__})
    return done
