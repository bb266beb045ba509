"""An LMS account without a person joins the person with its normalised e-mail, whichever
way the person came into the register (``bridge person add`` or a spreadsheet import), as
the sync does, so a sync before the person arrives and one after it end the same.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.store.models import LmsAccount, Person
from bridge.store.queries import among


def link_lms_accounts(session: Session, emails: Sequence[str]) -> int:
    """Link LMS accounts without a person to the persons with their normalised e-mail,
    as the sync does, so a sync before the import and one after it end the same."""
    if not emails:
        return 0
    accounts, persons = LmsAccount.__table__, Person.__table__
    person_id = (
        sa.select(persons.c.id)
        .where(persons.c.email_normalised == accounts.c.email_normalised)
        .scalar_subquery()
    )
    result = session.execute(
        sa.update(accounts)
        .where(accounts.c.person_id.is_(None), among(session, accounts.c.email_normalised, emails))
        .values(person_id=person_id)
    )
    return max(result.rowcount or 0, 0)
