"""Customer relationships (N6 c) and the links between persons and their employers (N6 b).

Both are added by commands here and shown by the person and organisation views, which
render a relationship with ``relationship_view``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.clock import register_today, utcnow
from bridge.errors import UsageError
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.register import values as v
from bridge.services.register.fields import new_provenance, parse_option
from bridge.services.register.lookup import org_by_business_id, person_by_ref
from bridge.store.models import CustomerRelationship, Organisation, Person, PersonOrganisation
from bridge.store.queries import provenance_of


def relationship_view(rel: CustomerRelationship, via: str) -> dict[str, Any]:
    return {
        "id": rel.id,
        "via": via,
        "kind": rel.kind,
        "start": rel.start_date,
        "end": rel.end_date,
        "reference": rel.reference,
        "provenance": provenance_of(rel),
    }


def link_employer(
    session: Session,
    actor: Actor,
    person: Person,
    org: Organisation,
    title: str | None,
    command: str,
) -> PersonOrganisation:
    """The person's link to the employer, made now or with its title changed."""
    link = session.scalars(
        sa.select(PersonOrganisation).where(
            PersonOrganisation.person_id == person.id, PersonOrganisation.organisation_id == org.id
        )
    ).first()
    if link is None:
        link = PersonOrganisation(
            person_id=person.id,
            organisation_id=org.id,
            title=title,
            **new_provenance(actor, command),
        )
        session.add(link)
    elif title is not None and link.title != title:
        link.title, link.changed_at = title, utcnow()
    return link


def link_person(
    session: Session, actor: Actor, ref: str, business_id: str, title: str | None
) -> dict[str, Any]:
    """Link a person to an employer (or change the title of an existing link)."""
    title = parse_option("title", v.parse_text, title)
    person, org = person_by_ref(session, ref), org_by_business_id(session, business_id)
    link = link_employer(session, actor, person, org, title, "person link")
    audit.record(
        session, actor, "person link", person_id=person.id, details={"business_id": org.business_id}
    )
    return {"person_id": person.id, "business_id": org.business_id, "title": link.title}


def pending_end(organisation_id: int | None, end: date | None) -> date | None:
    """The end the daemon must carry out: an employer relationship's end that lies ahead
    (:mod:`bridge.services.access.contract_ends`). An end already past when it is recorded
    is history, and a person's own relationship ends no one else's access."""
    if organisation_id is None or end is None or end <= register_today():
        return None
    return end


def add_relationship(
    session: Session,
    actor: Actor,
    *,
    person: str | None,
    org: str | None,
    kind: str,
    start: date | str,
    end: date | str | None = None,
    reference: str | None = None,
) -> CustomerRelationship:
    if (person is None) == (org is None):
        raise UsageError("name the customer with exactly one of --person or --org")
    subject = person_by_ref(session, person) if person else None
    organisation = org_by_business_id(session, org) if org else None
    start_date: date = parse_option("start", v.parse_date, start)
    end_date: date | None = parse_option("end", v.parse_date, end)
    if start_date is None:
        raise UsageError("--start is required")
    if end_date is not None and end_date < start_date:
        raise UsageError(f"--end {end_date} is before --start {start_date}")
    relationship = CustomerRelationship(
        person_id=subject.id if subject else None,
        organisation_id=organisation.id if organisation else None,
        kind=parse_option("kind", lambda t: v.parse_code("kind", t), kind),
        start_date=start_date,
        end_date=end_date,
        pending_end_on=pending_end(organisation.id if organisation else None, end_date),
        reference=reference,
        **new_provenance(actor, "relationship add"),
    )
    session.add(relationship)
    session.flush()
    audit.record(
        session,
        actor,
        "relationship add",
        person_id=subject.id if subject else None,
        details={
            "relationship_id": relationship.id,
            "kind": relationship.kind,
            "business_id": organisation.business_id if organisation else None,
        },
    )
    return relationship


def active_on(on: date) -> sa.ColumnElement[bool]:
    """A relationship that gives a basis on ``on``: started, and not ended by that day."""
    return sa.and_(
        CustomerRelationship.start_date <= on,
        sa.or_(CustomerRelationship.end_date.is_(None), CustomerRelationship.end_date > on),
    )


def end_org_relationships(
    session: Session, actor: Actor, org: Organisation, on: date
) -> list[CustomerRelationship]:
    """End the organisation's relationships on ``on`` (those open then); the ones ended.
    An end ahead stays pending until the daemon carries it out on its day."""
    ending = list(
        session.scalars(
            sa.select(CustomerRelationship)
            .where(CustomerRelationship.organisation_id == org.id, active_on(on))
            .order_by(CustomerRelationship.id)
        )
    )
    now = utcnow()
    for relationship in ending:
        relationship.end_date, relationship.changed_at = on, now
        relationship.pending_end_on = pending_end(org.id, on)
    if ending:
        audit.record(
            session,
            actor,
            "relationship end",
            details={
                "business_id": org.business_id,
                "date": on.isoformat(),
                "relationship_ids": [r.id for r in ending],
            },
        )
    return ending


def clear_pending_ends(session: Session, organisation_id: int, up_to: date) -> list[int]:
    """Mark the employer's pending ends up to ``up_to`` carried out; their relationship ids."""
    pending = (CustomerRelationship.organisation_id == organisation_id,
               CustomerRelationship.pending_end_on <= up_to)
    ids = sorted(session.scalars(sa.select(CustomerRelationship.id).where(*pending)))
    session.execute(sa.update(CustomerRelationship).where(*pending).values(pending_end_on=None))
    return ids


def employees(session: Session, org: Organisation) -> list[Person]:
    """The persons linked to the organisation as their employer, by id."""
    return list(
        session.scalars(
            sa.select(Person)
            .join(PersonOrganisation, PersonOrganisation.person_id == Person.id)
            .where(PersonOrganisation.organisation_id == org.id)
            .order_by(Person.id)
        )
    )

