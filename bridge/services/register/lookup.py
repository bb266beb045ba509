"""Finding a record the command line names: a person by id or e-mail, an organisation by
business ID. Every record command starts here."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.errors import UsageError
from bridge.registry.models import Organisation, Person
from bridge.registry.queries import find_person
from bridge.services.register import values as v
from bridge.services.register.fields import parse_option


def person_by_ref(session: Session, ref: str) -> Person:
    """A person by id (digits) or e-mail."""
    ref = ref.strip()
    return find_person(
        session, person_id=int(ref) if ref.isdigit() else None, email=None if ref.isdigit() else ref
    )


def org_by_business_id(session: Session, business_id: str) -> Organisation:
    """An organisation by its business ID, written any way ``values`` accepts."""
    bid = parse_option("org", v.parse_business_id, business_id)
    org = session.scalars(sa.select(Organisation).where(Organisation.business_id == bid)).first()
    if org is None:
        raise UsageError(f"no organisation {bid} in the register (add it: `bridge org add`)")
    return org
