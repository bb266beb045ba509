"""Employer relationships whose end was recorded ahead: access ends when the day comes (N3).

``bridge relationship end --org X --date D`` with ``D`` today or earlier ends the
relationships and withdraws access at once. An end recorded ahead, with a future ``--date``
or with ``relationship add --end``, can only be carried out on its day: the daemon's
``contract_ends`` job does it then (or at its first run after), with the same rule as the
command: employees whose only basis was the employer's relationship lose their service
consent, and the others keep access, with the reason in the audit row.

Which ends are due:

* only ends recorded before they came: ``end_date`` after the day the relationship row was
  written (an end set ahead by ``relationship end`` always is). An end date already past
  when it was entered, e.g. imported history, is a fact, not an instruction: the command
  is how an operator ends access for it;
* each once: a ``relationship end`` audit row dated on or after its date, or this module's
  own audit row, says it was carried out;
* an employer with another relationship in force on the day keeps its employees' access
  (a renewed contract); the end is recorded as carried out with nobody withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import groupby

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.registry.models import AuditEntry, CustomerRelationship, Organisation
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.rights.employer import EmployerRevocation, withdraw_employees
from bridge.settings import Settings

#: The audit action of an end carried out by the job; with ``relationship end`` also how
#: "already carried out" is found.
ACTION = "relationship end carried out"
COMMAND_ACTION = "relationship end"


@dataclass(frozen=True)
class DueEnd:
    """One employer's relationships that ended on ``date`` and still await their effect."""

    organisation_id: int
    business_id: str
    date: date
    relationship_ids: tuple[int, ...]


def due_ends(session: Session, today: date) -> list[DueEnd]:
    """The ends recorded ahead that have come by ``today`` and were not carried out, by
    employer and date (oldest first)."""
    ended = session.execute(
        sa.select(CustomerRelationship, Organisation.business_id)
        .join(Organisation, Organisation.id == CustomerRelationship.organisation_id)
        .where(CustomerRelationship.end_date <= today)
        .order_by(CustomerRelationship.end_date, Organisation.id, CustomerRelationship.id)
    ).all()
    done = _carried_out(session)
    due = [
        (r, business_id)
        for r, business_id in ended
        if r.id not in done and r.end_date > r.first_seen_at.date()
    ]
    ends: list[DueEnd] = []
    for (org_id, business_id, day), group in groupby(
        due, key=lambda item: (item[0].organisation_id, item[1], item[0].end_date)
    ):
        assert org_id is not None and day is not None
        ends.append(DueEnd(org_id, business_id, day, tuple(r.id for r, _ in group)))
    return ends


def carry_out(
    session: Session, settings: Settings, actor: Actor, end: DueEnd, today: date
) -> EmployerRevocation:
    """Withdraw the access that rested on ``end``'s relationships, in the caller's
    transaction, and audit it (also when a renewed relationship keeps everyone's access)."""
    org = session.get_one(Organisation, end.organisation_id)
    renewal = session.scalar(
        sa.select(CustomerRelationship.id)
        .where(CustomerRelationship.organisation_id == org.id,
               CustomerRelationship.start_date <= today,
               sa.or_(CustomerRelationship.end_date.is_(None),
                      CustomerRelationship.end_date > today))
        .order_by(CustomerRelationship.id)
        .limit(1)
    )
    if renewal is not None:
        result = EmployerRevocation(org.business_id, end.date)
    else:
        reason = f"relationship of employer {org.business_id} ended on {end.date.isoformat()}"
        result = withdraw_employees(session, settings, actor, org, today, reason)
    result.ended = list(end.relationship_ids)
    audit.record(session, actor, ACTION, details={
        "business_id": org.business_id,
        "date": end.date.isoformat(),
        "relationship_ids": list(end.relationship_ids),
        "withdrawn": len(result.withdrawn),
        "kept": len(result.kept),
        "renewed_by": renewal,
    })
    return result


def _audited(session: Session, action: str) -> Iterable[AuditEntry]:
    return session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action))


def _carried_out(session: Session) -> set[int]:
    """Relationships whose end took effect: ended by the command on a day not ahead of
    the command, or carried out by the job."""
    done: set[int] = set()
    for row in _audited(session, ACTION):
        done.update((row.details or {}).get("relationship_ids", []))
    for row in _audited(session, COMMAND_ACTION):
        details = row.details or {}
        if details.get("date", "9999-12-31") <= row.at.date().isoformat():
            done.update(details.get("relationship_ids", []))
    return done



def carry_out_due(
    sessions: sessionmaker[Session], settings: Settings, actor: Actor, today: date
) -> list[tuple[DueEnd, EmployerRevocation]]:
    """Carry out every end due by ``today``, each employer's in its own transaction."""
    with sessions() as session:
        due = due_ends(session, today)
    done = []
    for end in due:
        with sessions() as session, session.begin():
            done.append((end, carry_out(session, settings, actor, end, today)))
    return done
