"""Finding a record a command or a file names: a person by register id or e-mail, an
organisation by business ID. Every record command starts here.

The refusals speak of persons and organisations, not of command-line options, so that
any command or service may look a record up whatever its own options are called."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.errors import UsageError
from bridge.services.register import values as v
from bridge.services.register.fields import parse_option
from bridge.store.models import LmsAccount, Organisation, Person
from bridge.store.people import normalise_email

__all__ = [
    "MAX_ROW_ID",
    "Person",  # the type of what a look-up finds, for the callers' type hints
    "find_person",
    "optional_person",
    "org_by_business_id",
    "person_by_ref",
    "row_id",
]

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


def find_person(session: Session, *, person_id: int | None, email: str | None) -> Person:
    """The person with the register id, or with the e-mail (their own, else that of an LMS
    account linked to them); exactly one of the two names them."""
    if (person_id is None) == (email is None):
        raise UsageError("name a person by register id or by e-mail (one of the two)")
    if person_id is not None:
        person = session.get(Person, person_id)
        if person is None:
            raise UsageError(f"no person with register id {person_id}")
        return person
    key = normalise_email(email)
    person = session.scalars(sa.select(Person).where(Person.email_normalised == key)).first()
    if person is None:
        account = session.scalars(
            sa.select(LmsAccount).where(
                LmsAccount.email_normalised == key, LmsAccount.person_id.is_not(None)
            )
        ).first()
        person = session.get(Person, account.person_id) if account else None
    if person is None:
        raise UsageError(f"no person with e-mail {email} in the register")
    return person


def optional_person(session: Session, person_id: int | None, email: str | None) -> Person | None:
    """The person the id or e-mail name, or None when neither is given."""
    if person_id is None and email is None:
        return None
    return find_person(session, person_id=person_id, email=email)


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
