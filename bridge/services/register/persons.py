"""Persons (N5, N6 a): adding, editing, showing and listing them.

Every function works in the caller's transaction and writes its audit rows there
(CONTRACTS 9): one row per person read or changed, one row for a list. Audit details
name fields, never their values: the audit log is append-only and must not keep personal
data that erasure would have to remove. Values from the command line go through the
parsers the import uses (``fields``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.errors import OperationFailed, UsageError
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.register import values as v
from bridge.services.register.accounts import link_lms_accounts
from bridge.services.register.fields import (
    DEFAULT_LEGAL_BASIS,
    PERSON_FIELDS,
    PERSON_PARSERS,
    new_provenance,
    parse_given,
    parse_option,
)
from bridge.services.register.lookup import org_by_business_id, person_by_ref
from bridge.services.register.relationships import link_employer, relationship_view
from bridge.store.base import Base
from bridge.store.models import (
    MarketingProhibition,
    Person,
    PersonOrganisation,
)
from bridge.store.queries import (
    consents_of,
    employers_of,
    lms_accounts,
    provenance_of,
    relationships_of,
)

EDIT_SOURCES = ("admin", "data_subject")


def columns_of(row: Base, names: tuple[str, ...]) -> dict[str, Any]:
    """The named columns of a row, for a view."""
    return {name: getattr(row, name) for name in names}


def email_free(session: Session, email: str, but: int | None = None) -> str:
    """The e-mail's key, refused when another person than ``but`` has it already."""
    key = v.email_key(email)
    other = session.scalar(sa.select(Person.id).where(Person.email_normalised == key))
    if other is not None and other != but:
        raise OperationFailed(f"person {other} already has the e-mail {email}")
    return key


def add_person(
    session: Session,
    actor: Actor,
    given: Mapping[str, str | None],
    *,
    org: str | None = None,
    title: str | None = None,
) -> Person:
    """Add a person (source admin), optionally with an employer; an LMS account with the
    same e-mail and no person yet is linked to it."""
    values = parse_given(PERSON_PARSERS, given, PERSON_FIELDS)
    title = parse_option("title", v.parse_text, title)
    if not values.get("email"):
        raise UsageError("--email is required: it is the person's key")
    values["email_normalised"] = email_free(session, values["email"])
    values["legal_basis"] = values.get("legal_basis") or DEFAULT_LEGAL_BASIS
    employer = org_by_business_id(session, org) if org else None
    person = Person(**values, **new_provenance(actor, "person add"))
    session.add(person)
    session.flush()
    if employer is not None:
        link_employer(session, actor, person, employer, title, "person add")
    linked = link_lms_accounts(session, [values["email_normalised"]])
    audit.record(
        session,
        actor,
        "person add",
        person_id=person.id,
        details={
            "fields": sorted(values),
            "linked_lms_accounts": linked,
            "business_id": employer.business_id if employer else None,
        },
    )
    return person


def edit_person(
    session: Session, actor: Actor, ref: str, given: Mapping[str, str | None], source: str = "admin"
) -> tuple[Person, list[str]]:
    """Change the given fields; ``source`` data_subject records a rectification (N11)."""
    if source not in EDIT_SOURCES:
        raise UsageError(f"--source must be one of {', '.join(EDIT_SOURCES)}")
    person = person_by_ref(session, ref)
    values = parse_given(PERSON_PARSERS, given, PERSON_FIELDS)
    if "email" in values:
        if not values["email"]:
            raise UsageError("--email cannot be emptied: it is the person's key")
        values["email_normalised"] = email_free(session, values["email"], person.id)
    if "legal_basis" in values:
        values["legal_basis"] = values["legal_basis"] or DEFAULT_LEGAL_BASIS
    changed = sorted(k for k, val in values.items() if getattr(person, k) != val)
    if changed:
        for name in changed:
            setattr(person, name, values[name])
        provenance = new_provenance(actor, "person edit", source)
        person.source, person.source_ref = provenance["source"], provenance["source_ref"]
        person.changed_at = provenance["changed_at"]
    audit.record(
        session,
        actor,
        "person edit",
        person_id=person.id,
        details={"changed": [c for c in changed if c != "email_normalised"], "source": source},
    )
    return person, changed


def person_view(session: Session, person: Person) -> dict[str, Any]:
    """Everything ``bridge person show`` prints, each item with its provenance (N7)."""
    employers = employers_of(session, person.id)
    org_ids = {org.id: org.business_id for _, org in employers}
    relationships = relationships_of(session, person.id, list(org_ids))
    consents = consents_of(session, person.id)
    prohibitions = session.scalars(
        sa.select(MarketingProhibition).where(MarketingProhibition.person_id == person.id)
    ).all()
    accounts = lms_accounts(session, person.id)
    return {
        "person": {
            "id": person.id,
            **columns_of(person, (*PERSON_FIELDS, "status")),
            "provenance": provenance_of(person),
        },
        "employers": [
            {
                "business_id": org.business_id,
                "name": org.name,
                "title": link.title,
                "provenance": provenance_of(link),
            }
            for link, org in employers
        ],
        "relationships": [
            relationship_view(
                r,
                "person"
                if r.person_id == person.id
                else f"organisation {org_ids.get(r.organisation_id or 0)}",
            )
            for r in relationships
        ],
        "consents": [
            {
                **columns_of(
                    c,
                    (
                        "id",
                        "purpose",
                        "channel",
                        "status",
                        "granted_at",
                        "withdrawn_at",
                        "evidence",
                        "recorded_by",
                    ),
                ),
                "provenance": provenance_of(c),
            }
            for c in consents
        ],
        "prohibitions": [
            {
                **columns_of(p, ("id", "channel", "prohibited_at", "lifted_at")),
                "provenance": provenance_of(p),
            }
            for p in prohibitions
        ],
        "lms_accounts": [
            {
                **columns_of(
                    a, ("connector", "lms_user_id", "username", "email", "suspended", "deleted")
                ),
                "provenance": provenance_of(a),
            }
            for a in accounts
        ],
    }


def show_person(session: Session, actor: Actor, ref: str) -> dict[str, Any]:
    person = person_by_ref(session, ref)
    audit.record(session, actor, "person show", person_id=person.id)
    return person_view(session, person)


def list_persons(
    session: Session,
    actor: Actor,
    *,
    search: str | None = None,
    org: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    query = sa.select(Person).order_by(Person.last_name, Person.first_name, Person.id)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            sa.or_(
                *(
                    sa.func.lower(c).like(pattern)
                    for c in (Person.first_name, Person.last_name, Person.email_normalised)
                )
            )
        )
    if org:
        query = query.join(PersonOrganisation, PersonOrganisation.person_id == Person.id).where(
            PersonOrganisation.organisation_id == org_by_business_id(session, org).id
        )
    persons = session.scalars(query.limit(limit)).all()
    audit.record(
        session,
        actor,
        "person list",
        details={"search": bool(search), "org": org, "count": len(persons)},
    )
    return [
        {
            "id": p.id,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "email": p.email,
            "status": p.status,
            "source": p.source,
        }
        for p in persons
    ]
