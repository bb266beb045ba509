"""Joining two records of one person (``bridge person merge``) and undoing a wrong e-mail
match with an LMS account (``bridge lms unlink``): the two ways a person's identity is
corrected after the fact.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.clock import utcnow
from bridge.errors import OperationFailed, UsageError
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.register import values as v
from bridge.services.register.fields import PERSON_FIELDS, new_provenance
from bridge.services.register.lookup import person_by_ref
from bridge.store.base import Base
from bridge.store.models import LmsAccount, Person, PersonOrganisation


def _personcolumns_of() -> list[sa.Column[Any]]:
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
    for column in _personcolumns_of():
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
            **new_provenance(actor, "lms unlink", "lms_sync"),
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
