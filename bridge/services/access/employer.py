"""When an employer's relationship ends, its employees lose access the same day (N3).

``bridge relationship end --org`` ends the employer's relationships on a date and
withdraws the service consent of every employee whose only legal basis was that
relationship; ``bridge consent withdraw --org`` withdraws it without ending anything.
An end date ahead is recorded now and carried out on its day by the daemon
(:mod:`bridge.services.access.contract_ends`).
A person keeps access, and the result says why, when another basis holds on that day
(:mod:`bridge.services.access.bases`).

The withdrawals are the ordinary per-person ones of :func:`service_consent.change` (one
audit row and one outbox command per person, CONTRACTS 5 and 9); the push worker then
takes a thousand of them to the LMS in a few batches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from bridge.clock import register_today
from bridge.services.access import service_consent
from bridge.services.access.bases import bases_besides
from bridge.services.audit import Actor
from bridge.services.audit.identity import DAEMON
from bridge.services.register import relationships
from bridge.services.register import values as v
from bridge.services.register.fields import parse_option
from bridge.services.register.lookup import org_by_business_id
from bridge.settings import Settings
from bridge.store.models import Organisation


@dataclass
class EmployerRevocation:
    """Who lost access, who kept it and why, and the relationships ended."""

    business_id: str
    date: date
    ended: list[int] = field(default_factory=list)
    withdrawn: list[dict[str, Any]] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    #: The end lies ahead: nobody loses access before its day.
    scheduled: bool = False
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "business_id": self.business_id,
            "date": self.date.isoformat(),
            "relationships_ended": self.ended,
            "withdrawn": self.withdrawn,
            "kept": self.kept,
            "already_withdrawn": self.unchanged,
            "scheduled": self.scheduled,
            "warnings": self.warnings,
        }


def end_relationship(
    session: Session, settings: Settings, actor: Actor, business_id: str, day: date | str
) -> EmployerRevocation:
    """End the employer's relationships on ``day`` and revoke the access that rested on
    them; a ``day`` ahead is recorded, and its access ends on that day."""
    org = org_by_business_id(session, business_id)
    on: date = parse_option("date", v.parse_date, day)
    ended = relationships.end_org_relationships(session, actor, org, on)
    if on > register_today():
        result = EmployerRevocation(org.business_id, on, scheduled=True)
        if ended and not Actor(DAEMON, settings.daemon.role).may("subject"):
            result.warnings.append(
                f"daemon.role {settings.daemon.role!r} may not withdraw consent, so the "
                "daemon will not carry this end out on its day: set daemon.role = \"dpo\" "
                "(or \"admin\")"
            )
    else:
        reason = f"relationship of employer {org.business_id} ended on {on.isoformat()}"
        result = withdraw_employees(session, settings, actor, org, on, reason)
        # ends recorded ahead for this employer up to ``on`` are carried out by this command
        relationships.clear_pending_ends(session, org.id, on)
    result.ended = [r.id for r in ended]
    return result


def withdraw_for_org(
    session: Session, settings: Settings, actor: Actor, business_id: str, reason: str
) -> EmployerRevocation:
    """Withdraw the service consent of the employer's people who have no other basis today."""
    org = org_by_business_id(session, business_id)
    return withdraw_employees(session, settings, actor, org, register_today(), reason)


def withdraw_employees(
    session: Session,
    settings: Settings,
    actor: Actor,
    org: Organisation,
    on: date,
    reason: str,
) -> EmployerRevocation:
    """Withdraw the service consent of the employer's people who have no other basis on
    ``on``; the others are listed with the basis that keeps their access."""
    result = EmployerRevocation(org.business_id, on)
    people = relationships.employees(session, org)
    ids = [p.id for p in people]
    bases = bases_besides(session, ids, org, on)
    for person in people:
        if person.id in bases:
            result.kept.append({"person_id": person.id, "because": bases[person.id]})
        elif person.status != "active":
            result.unchanged.append(person.id)
        else:
            change = service_consent.change(
                session, settings, actor, person, "withdrawn", reason=reason
            )
            result.withdrawn.append({"person_id": person.id, "pushes": len(change.pushes)})
    return result
