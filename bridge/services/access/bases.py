"""Who keeps course access when an employer's relationship ends, and why (N3): another
basis that holds on the day. That is the person's own contract or connection, another
employer's relationship, or their own consent (legal basis ``consent`` with the service
consent still granted). Each basis is named in words, for the result and the audit row."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.services.register.relationships import active_on
from bridge.store.models import (
    Consent,
    CustomerRelationship,
    Organisation,
    Person,
    PersonOrganisation,
)


def other_bases(
    session: Session, person_ids: list[int], org: Organisation, on: date
) -> dict[int, list[str]]:
    """Per person, the relationships other than ``org``'s that give a basis on ``on`` (N3):
    the person's own contract or connection, or one of another employer they are linked to.
    Persons without one are left out. Two statements, whatever the number of persons.
    """
    bases: dict[int, list[str]] = {}
    own = session.execute(
        sa.select(
            CustomerRelationship.person_id, CustomerRelationship.id, CustomerRelationship.kind
        )
        .where(CustomerRelationship.person_id.in_(person_ids), active_on(on))
        .order_by(CustomerRelationship.id)
    )
    for person_id, rel_id, kind in own:
        bases.setdefault(person_id, []).append(f"own {kind} (relationship {rel_id})")
    employers = session.execute(
        sa.select(
            PersonOrganisation.person_id,
            Organisation.business_id,
            CustomerRelationship.id,
            CustomerRelationship.kind,
        )
        .join(Organisation, Organisation.id == PersonOrganisation.organisation_id)
        .join(CustomerRelationship, CustomerRelationship.organisation_id == Organisation.id)
        .where(
            PersonOrganisation.person_id.in_(person_ids),
            PersonOrganisation.organisation_id != org.id,
            active_on(on),
        )
        .order_by(CustomerRelationship.id)
    )
    for person_id, business_id, rel_id, kind in employers:
        bases.setdefault(person_id, []).append(
            f"employer {business_id}'s {kind} (relationship {rel_id})"
        )
    return bases


def _own_consent(session: Session, person_ids: list[int]) -> set[int]:
    """Persons whose legal basis is their own service consent, still granted."""
    latest = (
        sa.select(Consent.person_id, sa.func.max(Consent.id).label("id"))
        .where(Consent.person_id.in_(person_ids), Consent.purpose == "service")
        .group_by(Consent.person_id)
        .subquery()
    )
    query = (
        sa.select(Person.id)
        .join(latest, latest.c.person_id == Person.id)
        .join(Consent, Consent.id == latest.c.id)
        .where(Person.legal_basis == "consent", Consent.status == "granted")
    )
    return set(session.scalars(query))


def bases_besides(
    session: Session, person_ids: list[int], org: Organisation, on: date
) -> dict[int, list[str]]:
    """Per person, every basis besides ``org``'s relationship that keeps access on ``on``;
    persons without one (who lose access with ``org``'s end) are left out."""
    bases = other_bases(session, person_ids, org, on)
    for person_id in _own_consent(session, person_ids):
        bases.setdefault(person_id, []).append("own service consent")
    return bases
