"""Finding a record the command line names: a person by id or e-mail, an organisation by
business ID. Every record command starts here."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.errors import UsageError
from bridge.services.register import values as v
from bridge.services.register.fields import parse_option
from bridge.store.models import Organisation, Person
from bridge.store.queries import find_person

#: Row ids are 64-bit on both databases; a larger number names no row and would make
#: the database driver fail (SQLite) or the server refuse the query (PostgreSQL).
MAX_ROW_ID = 2**63 - 1


def row_id(text: str, what: str = "id") -> int:
    """A row id a user typed: digits, at most ``MAX_ROW_ID``."""
    text = text.strip()
    if not text.isdigit() or not text.isascii():
        raise UsageError(f"{what} {text[:40]!r} is not a number")
    if len(text) > 19 or int(text) > MAX_ROW_ID:
        raise UsageError(f"{what} {text[:40]} is out of range (ids are at most {MAX_ROW_ID})")
    return int(text)


def person_by_ref(session: Session, ref: str) -> Person:
    """A person by id (digits) or e-mail."""
    ref = ref.strip()
    if ref.isdigit():
        return find_person(session, person_id=row_id(ref, "person id"), email=None)
    try:
        v.check_text(ref, v.EMAIL_MAX)
    except ValueError as exc:
        raise UsageError(f"person {exc}") from None
    return find_person(session, person_id=None, email=ref)


def org_by_business_id(session: Session, business_id: str) -> Organisation:
    """An organisation by its business ID, written any way ``values`` accepts."""
    bid = parse_option("org", v.parse_business_id, business_id)
    org = session.scalars(sa.select(Organisation).where(Organisation.business_id == bid)).first()
    if org is None:
        raise UsageError(f"no organisation {bid} in the register (add it: `bridge org add`)")
    return org
