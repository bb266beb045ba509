"""What each retention category covers (N10): the register rows of a category with what
decides their fate (their own time, the anchor event, the LMS users and persons behind
them). ``retention`` plans and runs deletion over these rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.store.base import Base
from bridge.store.models import (
    CustomerRelationship,
    LmsAccount,
    LmsAssignment,
    LmsAssignmentGrade,
    LmsCourse,
    LmsEnrolment,
    LmsGrade,
    LmsLogEntry,
    LmsMessage,
    LmsSubmission,
)

Users = frozenset[tuple[str, int]]
#: The categories whose rows this module knows; others are configured but have no rows.
HANDLED = ("lms_logs", "messages", "submissions", "grades", "customer_data")


def _day(ts: int | None) -> date | None:
    return datetime.fromtimestamp(ts, UTC).date() if ts else None


@dataclass(frozen=True)
class Row:
    """One row a category covers, with what decides its fate."""

    category: str
    table: str
    id: int
    own: date | None
    event: date | None
    users: Users = frozenset()
    person_id: int | None = None
    organisation_id: int | None = None
    connector: str | None = None
    stream: str | None = None
    lms_key: str | None = None


class Lookup:
    """Per-run maps from LMS ids to accounts, courses and course ends."""

    def __init__(self, session: Session) -> None:
        self.accounts = {
            (a.connector, a.lms_user_id): (a.person_id, a.last_access)
            for a in session.execute(
                sa.select(
                    LmsAccount.connector,
                    LmsAccount.lms_user_id,
                    LmsAccount.person_id,
                    LmsAccount.last_access,
                )
            )
        }
        self.course_end = {
            (c, cid): _day(end)
            for c, cid, end in session.execute(
                sa.select(LmsCourse.connector, LmsCourse.lms_course_id, LmsCourse.end_date)
            )
        }
        self.assignment_course = {
            (c, aid): cid
            for c, aid, cid in session.execute(
                sa.select(
                    LmsAssignment.connector,
                    LmsAssignment.lms_assignment_id,
                    LmsAssignment.lms_course_id,
                )
            )
        }
        self.user_courses: dict[tuple[str, int], set[int]] = {}
        for c, uid, cid in session.execute(
            sa.select(LmsEnrolment.connector, LmsEnrolment.lms_user_id, LmsEnrolment.lms_course_id)
        ):
            self.user_courses.setdefault((c, uid), set()).add(cid)

    def last_activity(self, users: Users) -> date | None:
        days = [_day(self.accounts.get(u, (None, None))[1]) for u in users]
        return max((d for d in days if d), default=None)

    def end_of(self, connector: str, course_ids: Iterable[int | None]) -> date | None:
        """The latest end of the courses; None when any is open-ended or unknown."""
        ends = [self.course_end.get((connector, cid)) for cid in course_ids]
        return max(ends) if ends and all(ends) else None  # type: ignore[type-var]

    def persons(self, users: Users) -> set[int]:
        return {pid for u in users if (pid := self.accounts.get(u, (None, None))[0])}


def _lms_row(
    look: Lookup,
    after: str,
    category: str,
    table: str,
    stream: str,
    row_id: int,
    connector: str,
    key: Any,
    own: int | None,
    uids: Iterable[int | None],
    courses: Callable[[], Iterable[int | None]],
) -> Row:
    users: Users = frozenset((connector, u) for u in uids if u)
    event = {
        "created": lambda: _day(own),
        "last_activity": lambda: look.last_activity(users),
        "course_end": lambda: look.end_of(connector, courses()),
    }.get(after, lambda: None)()
    return Row(
        category,
        table,
        row_id,
        _day(own),
        event,
        users,
        connector=connector,
        stream=stream,
        lms_key=str(key),
    )


def category_rows(session: Session, look: Lookup, category: str, after: str) -> list[Row]:
    """Every row of ``category`` with its anchor inputs (empty for an unknown category)."""

    def lms(*args: Any, **kw: Any) -> Row:
        return _lms_row(look, after, category, *args, **kw)

    if category == "lms_logs":
        return [
            lms(
                "lms_log_entries",
                "logs",
                r.id,
                r.connector,
                r.lms_log_id,
                r.time_created,
                (r.user_id, r.related_user_id),
                lambda r=r: [r.course_id],
            )
            for r in session.scalars(sa.select(LmsLogEntry))
        ]
    if category == "messages":
        return [
            lms(
                "lms_messages",
                "messages",
                r.id,
                r.connector,
                r.lms_message_id,
                r.time_created,
                {r.from_user_id, *(r.member_ids or [])},
                lambda r=r: set().union(
                    *(
                        look.user_courses.get((r.connector, u), set())
                        for u in {r.from_user_id, *(r.member_ids or [])}
                    )
                ),
            )
            for r in session.scalars(sa.select(LmsMessage))
        ]
    if category == "submissions":
        return [
            lms(
                "lms_submissions",
                "submissions",
                r.id,
                r.connector,
                r.lms_submission_id,
                r.time_modified or r.time_created,
                (r.lms_user_id,),
                lambda r=r: [look.assignment_course.get((r.connector, r.lms_assignment_id))],
            )
            for r in session.scalars(sa.select(LmsSubmission))
        ]
    if category == "grades":
        return [
            *(
                lms(
                    "lms_grades",
                    "gradebook",
                    r.id,
                    r.connector,
                    f"{r.lms_item_id}:{r.lms_user_id}",
                    r.graded_at,
                    (r.lms_user_id,),
                    lambda r=r: [r.lms_course_id],
                )
                for r in session.scalars(sa.select(LmsGrade))
            ),
            *(
                lms(
                    "lms_assignment_grades",
                    "assignment_grades",
                    r.id,
                    r.connector,
                    r.lms_grade_id,
                    r.time_modified or r.time_created,
                    (r.lms_user_id,),
                    lambda r=r: [look.assignment_course.get((r.connector, r.lms_assignment_id))],
                )
                for r in session.scalars(sa.select(LmsAssignmentGrade))
            ),
        ]
    if category == "customer_data":
        return [
            Row(
                category,
                "customer_relationships",
                r.id,
                r.start_date,
                r.start_date
                if after == "created"
                else r.end_date
                if after in ("relationship_end", "last_activity")
                else None,
                person_id=r.person_id,
                organisation_id=r.organisation_id,
            )
            for r in session.scalars(sa.select(CustomerRelationship))
        ]
    return []


MODELS: dict[str, type[Base]] = {
    "lms_log_entries": LmsLogEntry,
    "lms_messages": LmsMessage,
    "lms_submissions": LmsSubmission,
    "lms_grades": LmsGrade,
    "lms_assignment_grades": LmsAssignmentGrade,
    "customer_relationships": CustomerRelationship,
}
