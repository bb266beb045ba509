"""Who is learning now: active persons with an LMS account enrolled as a student.

`bridge demo` picks the person each of its steps acts on from here. The read writes no
audit row: it only chooses whom to name, and the command the step then runs with that
person reads or changes their data in its own audited unit of work.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.store.models import LmsAccount, LmsEnrolment, Person


class Learner(NamedTuple):
    person_id: int
    email: str | None
    lms_user_id: int


def enrolled_students(session: Session) -> list[Learner]:
    """Active persons enrolled as a student in some course, by register id (a person with
    several such accounts once per account)."""
    rows = session.execute(
        sa.select(Person.id, Person.email, LmsAccount.lms_user_id)
        .distinct()
        .join(LmsAccount, LmsAccount.person_id == Person.id)
        .join(
            LmsEnrolment,
            sa.and_(
                LmsEnrolment.connector == LmsAccount.connector,
                LmsEnrolment.lms_user_id == LmsAccount.lms_user_id,
            ),
        )
        .where(
            sa.cast(LmsEnrolment.roles, sa.Text).like("%student%"),
            Person.status == "active",
        )
        .order_by(Person.id)
    )
    return [Learner(*row) for row in rows]
