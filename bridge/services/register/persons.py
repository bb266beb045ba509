"""Single records of the register: persons, employers and customer relationships (N5, N6
a–c), merging duplicates, and undoing a wrong e-mail match with an LMS account.

Every function works in the caller's transaction and writes its audit rows there
(CONTRACTS 9): one row per person read or changed, one row for a list. Audit details
name fields, never their values: the audit log is append-only and must not keep personal
data that erasure would have to remove. Values from the command line go through the
import's parsers, so ``--phone`` and a spreadsheet cell are checked the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.errors import OperationFailed, UsageError
from bridge.registry.base import Base, Provenance, utcnow
from bridge.registry.models import (
    Consent,
    CustomerRelationship,
    LmsAccount,
    MarketingProhibition,
    Organisation,
    Person,
    PersonOrganisation,
)
from bridge.registry.queries import find_person
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.register.intake import values as v
from bridge.services.register.intake.rows import build_spec
from bridge.services.register.intake.writers import (
    ORGANISATION_FIELDS,
    PERSON_FIELDS,
    link_lms_accounts,
)

PERSON_PARSERS = build_spec("persons").parsers
ORGANISATION_PARSERS = build_spec("organisations").parsers
EDIT_SOURCES = ("admin", "data_subject")


def _parse(option: str, parse: Callable[[str], Any], text: str | None) -> Any:
    if text is None or not text.strip():
        return None
    try:
        return parse(text)
    except ValueError as exc:
        raise UsageError(f"--{option.replace('_', '-')}: {exc}") from None


def _checked(
    parsers: Mapping[str, Callable[[str], Any]],
    given: Mapping[str, str | None],
    names: tuple[str, ...],
) -> dict[str, Any]:
    """Parse the options that were given (None = not given; an empty text clears)."""
    return {n: _parse(n, parsers[n], given[n]) for n in names if given.get(n) is not None}


def person_by_ref(session: Session, ref: str) -> Person:
    """A person by id (digits) or e-mail."""
    ref = ref.strip()
    return find_person(
        session, person_id=int(ref) if ref.isdigit() else None, email=None if ref.isdigit() else ref
    )


def org_by_business_id(session: Session, business_id: str) -> Organisation:
    bid = _parse("org", v.parse_business_id, business_id)
    org = session.scalars(sa.select(Organisation).where(Organisation.business_id == bid)).first()
    if org is None:
        raise UsageError(f"no organisation {bid} in the register (add it: `bridge org add`)")
    return org


def _provenance(actor: Actor, command: str, source: str = "admin") -> dict[str, Any]:
    now = utcnow()
    return {
        "source": source,
        "source_ref": f"bridge {command} by {actor.name}",
        "first_seen_at": now,
        "changed_at": now,
    }


def email_free(session: Session, email: str, but: int | None = None) -> str:
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
    values = _checked(PERSON_PARSERS, given, PERSON_FIELDS)
    if not values.get("email"):
        raise UsageError("--email is required: it is the person's key")
    values["email_normalised"] = email_free(session, values["email"])
    values["legal_basis"] = values.get("legal_basis") or "customer_relationship"
    employer = org_by_business_id(session, org) if org else None
    person = Person(**values, **_provenance(actor, "person add"))
    session.add(person)
    session.flush()
    if employer is not None:
        _link(session, actor, person, employer, title, "person add")
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
    values = _checked(PERSON_PARSERS, given, PERSON_FIELDS)
    if "email" in values:
        if not values["email"]:
            raise UsageError("--email cannot be emptied: it is the person's key")
        values["email_normalised"] = email_free(session, values["email"], person.id)
    if "legal_basis" in values:
        values["legal_basis"] = values["legal_basis"] or "customer_relationship"
    changed = sorted(k for k, val in values.items() if getattr(person, k) != val)
    if changed:
        for name in changed:
            setattr(person, name, values[name])
        provenance = _provenance(actor, "person edit", source)
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


def _provenance_of(row: Provenance) -> dict[str, Any]:
    return {
        "source": row.source,
        "source_ref": row.source_ref,
        "first_seen_at": row.first_seen_at,
        "changed_at": row.changed_at,
        "last_seen_at": row.last_seen_at,
        "removed_in_lms_at": row.removed_in_lms_at,
    }


def _columns(row: Base, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def _relationship(rel: CustomerRelationship, via: str) -> dict[str, Any]:
    return {
        "id": rel.id,
        "via": via,
        "kind": rel.kind,
        "start": rel.start_date,
        "end": rel.end_date,
        "reference": rel.reference,
        "provenance": _provenance_of(rel),
    }


def person_view(session: Session, person: Person) -> dict[str, Any]:
    """Everything ``bridge person show`` prints, each item with its provenance (N7)."""
    employers = session.execute(
        sa.select(PersonOrganisation, Organisation)
        .join(Organisation, Organisation.id == PersonOrganisation.organisation_id)
        .where(PersonOrganisation.person_id == person.id)
        .order_by(Organisation.name)
    ).all()
    org_ids = {org.id: org.business_id for _, org in employers}
    relationships = session.scalars(
        sa.select(CustomerRelationship)
        .where(
            sa.or_(
                CustomerRelationship.person_id == person.id,
                CustomerRelationship.organisation_id.in_(list(org_ids)),
            )
        )
        .order_by(CustomerRelationship.start_date)
    ).all()
    consents = session.scalars(
        sa.select(Consent).where(Consent.person_id == person.id).order_by(Consent.id)
    ).all()
    prohibitions = session.scalars(
        sa.select(MarketingProhibition).where(MarketingProhibition.person_id == person.id)
    ).all()
    accounts = session.scalars(
        sa.select(LmsAccount)
        .where(LmsAccount.person_id == person.id)
        .order_by(LmsAccount.connector, LmsAccount.lms_user_id)
    ).all()
    return {
        "person": {
            "id": person.id,
            **_columns(person, (*PERSON_FIELDS, "status")),
            "provenance": _provenance_of(person),
        },
        "employers": [
            {
                "business_id": org.business_id,
                "name": org.name,
                "title": link.title,
                "provenance": _provenance_of(link),
            }
            for link, org in employers
        ],
        "relationships": [
            _relationship(
                r,
                "person"
                if r.person_id == person.id
                else f"organisation {org_ids.get(r.organisation_id or 0)}",
            )
            for r in relationships
        ],
        "consents": [
            {
                **_columns(
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
                "provenance": _provenance_of(c),
            }
            for c in consents
        ],
        "prohibitions": [
            {
                **_columns(p, ("id", "channel", "prohibited_at", "lifted_at")),
                "provenance": _provenance_of(p),
            }
            for p in prohibitions
        ],
        "lms_accounts": [
            {
                **_columns(
                    a, ("connector", "lms_user_id", "username", "email", "suspended", "deleted")
                ),
                "provenance": _provenance_of(a),
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


def add_org(session: Session, actor: Actor, given: Mapping[str, str | None]) -> Organisation:
    values = _checked(ORGANISATION_PARSERS, given, ("business_id", *ORGANISATION_FIELDS))
    if not values.get("business_id") or not values.get("name"):
        raise UsageError("--business-id and --name are required")
    existing = session.scalar(
        sa.select(Organisation.id).where(Organisation.business_id == values["business_id"])
    )
    if existing is not None:
        raise OperationFailed(f"organisation {values['business_id']} is already in the register")
    org = Organisation(**values, **_provenance(actor, "org add"))
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
            **_columns(org, ORGANISATION_FIELDS),
            "provenance": _provenance_of(org),
        },
        "persons": [
            {"id": m.id, "first_name": m.first_name, "last_name": m.last_name, "title": m.title}
            for m in members
        ],
        "relationships": [_relationship(r, "organisation") for r in relationships],
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


def _link(
    session: Session,
    actor: Actor,
    person: Person,
    org: Organisation,
    title: str | None,
    command: str,
) -> PersonOrganisation:
    link = session.scalars(
        sa.select(PersonOrganisation).where(
            PersonOrganisation.person_id == person.id, PersonOrganisation.organisation_id == org.id
        )
    ).first()
    if link is None:
        link = PersonOrganisation(
            person_id=person.id, organisation_id=org.id, title=title, **_provenance(actor, command)
        )
        session.add(link)
    elif title is not None and link.title != title:
        link.title, link.changed_at = title, utcnow()
    return link


def link_person(
    session: Session, actor: Actor, ref: str, business_id: str, title: str | None
) -> dict[str, Any]:
    """Link a person to an employer (or change the title of an existing link)."""
    person, org = person_by_ref(session, ref), org_by_business_id(session, business_id)
    link = _link(session, actor, person, org, title, "person link")
    audit.record(
        session, actor, "person link", person_id=person.id, details={"business_id": org.business_id}
    )
    return {"person_id": person.id, "business_id": org.business_id, "title": link.title}


def add_relationship(
    session: Session,
    actor: Actor,
    *,
    person: str | None,
    org: str | None,
    kind: str,
    start: str,
    end: str | None = None,
    reference: str | None = None,
) -> CustomerRelationship:
    if (person is None) == (org is None):
        raise UsageError("name the customer with exactly one of --person or --org")
    subject = person_by_ref(session, person) if person else None
    organisation = org_by_business_id(session, org) if org else None
    start_date: date = _parse("start", v.parse_date, start)
    end_date: date | None = _parse("end", v.parse_date, end)
    if start_date is None:
        raise UsageError("--start is required")
    if end_date is not None and end_date < start_date:
        raise UsageError(f"--end {end_date} is before --start {start_date}")
    relationship = CustomerRelationship(
        person_id=subject.id if subject else None,
        organisation_id=organisation.id if organisation else None,
        kind=_parse("kind", lambda t: v.parse_code("kind", t), kind),
        start_date=start_date,
        end_date=end_date,
        reference=reference,
        **_provenance(actor, "relationship add"),
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


def _person_columns() -> list[sa.Column[Any]]:
    """Every column that points at a person; a merge moves them all, tables added later
    included. (The audit log has no such key: it is append-only and keeps its ids.)"""
    target = Person.__table__.c.id
    return [
        column
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if any(fk.column is target for fk in column.foreign_keys)
    ]


def _connectors_of(session: Session, person_id: int) -> set[str]:
    return set(
        session.scalars(sa.select(LmsAccount.connector).where(LmsAccount.person_id == person_id))
    )


def merge_persons(session: Session, actor: Actor, keep_ref: str, drop_ref: str) -> dict[str, Any]:
    """Move everything of DROP to KEEP (links, LMS accounts, consents, relationships,
    prohibitions, requests, holds, pushes), fill KEEP's empty fields from DROP, delete DROP.

    Refused when both have an account on the same LMS: they are two users there, and
    one person with two accounts would be revoked or erased only half.
    """
    keep, drop = person_by_ref(session, keep_ref), person_by_ref(session, drop_ref)
    if keep.id == drop.id:
        raise UsageError("KEEP and DROP are the same person")
    if keep.status != drop.status or keep.status == "erased":
        raise OperationFailed(
            f"person {keep.id} is {keep.status} and person {drop.id} {drop.status}: only two "
            "active (or two withdrawn) persons can be merged"
        )
    shared = _connectors_of(session, keep.id) & _connectors_of(session, drop.id)
    if shared:
        raise OperationFailed(
            f"persons {keep.id} and {drop.id} both have an LMS account on "
            f"{', '.join(sorted(shared))}: they are two users there, so the merge is refused "
            "(if one e-mail match is wrong, `bridge lms unlink` it first)"
        )
    kept_orgs = sa.select(PersonOrganisation.organisation_id).where(
        PersonOrganisation.person_id == keep.id
    )
    session.execute(
        sa.delete(PersonOrganisation).where(
            PersonOrganisation.person_id == drop.id,
            PersonOrganisation.organisation_id.in_(kept_orgs),
        )
    )
    moved: dict[str, int] = {}
    for column in _person_columns():
        result = session.execute(
            sa.update(column.table).where(column == drop.id).values({column.name: keep.id})
        )
        if result.rowcount:
            moved[column.table.name] = result.rowcount  # type: ignore[attr-defined]
    filled = [
        name
        for name in PERSON_FIELDS
        if getattr(keep, name) is None and getattr(drop, name) is not None
    ]
    for name in filled:
        setattr(keep, name, getattr(drop, name))
    keep.changed_at = utcnow()
    dropped_email, drop_id = drop.email, drop.id
    session.delete(drop)
    session.flush()
    audit.record(
        session,
        actor,
        "person merge",
        person_id=keep.id,
        details={"dropped_person_id": drop_id, "moved": moved, "filled": filled},
    )
    audit.record(
        session, actor, "person merge", person_id=drop_id, details={"merged_into": keep.id}
    )
    warnings = []
    if dropped_email and v.email_key(dropped_email) != keep.email_normalised:
        warnings.append(
            f"{dropped_email} is no longer in the register: a spreadsheet that "
            "still uses it will add that person again on import"
        )
    return {
        "kept": keep.id,
        "dropped": drop_id,
        "moved": moved,
        "filled": filled,
        "warnings": warnings,
    }


def unlink_lms(session: Session, actor: Actor, ref: str, connector: str) -> dict[str, Any]:
    """Undo a wrong e-mail match: the person's account on ``connector`` gets a person of
    its own, made from the LMS data (without the e-mail key, which stays with the first
    person), so the next sync does not link it back. ``bridge person merge`` can then
    join it to the right person."""
    person = person_by_ref(session, ref)
    accounts = session.scalars(
        sa.select(LmsAccount).where(
            LmsAccount.person_id == person.id, LmsAccount.connector == connector
        )
    ).all()
    if not accounts:
        raise OperationFailed(f"person {person.id} has no account on connector {connector!r}")
    results = []
    for account in accounts:
        own = Person(
            first_name=account.first_name,
            last_name=account.last_name,
            email=account.email,
            legal_basis="customer_relationship",
            **_provenance(actor, "lms unlink", "lms_sync"),
        )
        own.source_ref = (
            f"{connector}:user/{account.lms_user_id} (unlinked from person "
            f"{person.id} by {actor.name})"
        )
        session.add(own)
        session.flush()
        account.person_id = own.id
        details = {"connector": connector, "lms_user_id": account.lms_user_id}
        audit.record(
            session,
            actor,
            "lms unlink",
            person_id=person.id,
            details=details | {"new_person_id": own.id},
        )
        audit.record(
            session,
            actor,
            "lms unlink",
            person_id=own.id,
            details=details | {"unlinked_from": person.id},
        )
        results.append(details | {"new_person_id": own.id})
    return {"person_id": person.id, "unlinked": results}
