"""Organisations (N5, N6 b): the employers of persons and customers in their own right."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.errors import OperationFailed, UsageError
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.register.fields import (
    ORGANISATION_FIELDS,
    ORGANISATION_PARSERS,
    new_provenance,
    parse_given,
)
from bridge.services.register.lookup import org_by_business_id
from bridge.services.register.persons import columns_of
from bridge.services.register.relationships import relationship_view
from bridge.store.models import CustomerRelationship, Organisation, Person, PersonOrganisation
from bridge.store.queries import provenance_of


def add_org(session: Session, actor: Actor, given: Mapping[str, str | None]) -> Organisation:
    values = parse_given(ORGANISATION_PARSERS, given, ("business_id", *ORGANISATION_FIELDS))
    if not values.get("business_id") or not values.get("name"):
        raise UsageError("--business-id and --name are required")
    existing = session.scalar(
        sa.select(Organisation.id).where(Organisation.business_id == values["business_id"])
    )
    if existing is not None:
        raise OperationFailed(f"organisation {values['business_id']} is already in the register")
    org = Organisation(**values, **new_provenance(actor, "org add"))
    session.add(org)
    session.flush()
    audit.record(session, actor, "org add", details={"business_id": org.business_id})
    return org


def org_view(session: Session, org: Organisation) -> dict[str, Any]:
    members = session.execute(
        sa.select(Person.id, Person.first_name, Person.last_name, PersonOrganisation.title)
        .join(PersonOrganisation, PersonOrganisation.person_id == Person.id)
        .where(PersonOrganisation.organisation_id == org.id)
        .order_by(Person.last_name)
    ).all()
    relationships = session.scalars(
        sa.select(CustomerRelationship).where(CustomerRelationship.organisation_id == org.id)
    ).all()
    return {
        "organisation": {
            "id": org.id,
            "business_id": org.business_id,
            **columns_of(org, ORGANISATION_FIELDS),
            "provenance": provenance_of(org),
        },
        "persons": [
            {"id": m.id, "first_name": m.first_name, "last_name": m.last_name, "title": m.title}
            for m in members
        ],
        "relationships": [relationship_view(r, "organisation") for r in relationships],
    }


def show_org(session: Session, actor: Actor, business_id: str) -> dict[str, Any]:
    org = org_by_business_id(session, business_id)
    audit.record(session, actor, "org show", details={"business_id": org.business_id})
    return org_view(session, org)


def list_orgs(
    session: Session, actor: Actor, *, search: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    count = (
        sa.select(sa.func.count())
        .where(PersonOrganisation.organisation_id == Organisation.id)
        .scalar_subquery()
    )
    query = sa.select(Organisation, count).order_by(Organisation.name)
    if search:
        query = query.where(sa.func.lower(Organisation.name).like(f"%{search.lower()}%"))
    rows = session.execute(query.limit(limit)).all()
    audit.record(session, actor, "org list", details={"count": len(rows)})
    return [
        {"business_id": o.business_id, "name": o.name, "contact_name": o.contact_name, "persons": n}
        for o, n in rows
    ]
