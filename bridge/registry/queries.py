"""Finding the data subject a command is about: ``--person ID`` or ``--email ADDRESS``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.errors import UsageError
from bridge.registry.models import LmsAccount, Person
from bridge.registry.people import normalise_email


def find_person(session: Session, *, person_id: int | None, email: str | None) -> Person:
    if (person_id is None) == (email is None):
        raise UsageError("name the person with exactly one of --person ID or --email ADDRESS")
    if person_id is not None:
        person = session.get(Person, person_id)
        if person is None:
            raise UsageError(f"no person {person_id} in the register")
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


def lms_accounts(session: Session, person_id: int) -> list[LmsAccount]:
    return list(
        session.scalars(
            sa.select(LmsAccount)
            .where(LmsAccount.person_id == person_id)
            .order_by(LmsAccount.connector, LmsAccount.lms_user_id)
        )
    )
