"""Retention (N10): what has outlived its retention period, what a hold keeps, and the run
that deletes exactly what the plan lists.

Each configured category (``[retention.categories]``) has a period and the event it counts
from. A row's *anchor* is that event, never earlier than the row's own time:

- ``created``: the row's own time (a log entry's, a message's, a submission's, a grade's,
  a relationship's start);
- ``last_activity``: the LMS user's last access (for a relationship: its end);
- ``course_end``: the end date of the row's course (messages: the latest end of the
  courses the conversation's members are enrolled in); a course without an end date
  keeps its data;
- ``relationship_end``: a customer relationship's end date; open relationships are kept.

A row is due when ``anchor + period`` lies before ``today``. It is kept instead when a
legal obligation of ``[retention.holds]`` covering the category has not yet run out
(counted from the same anchor) or an active legal hold covers one of its persons or its
organisation. Deleted LMS rows leave a tombstone (a keyed hash of connector, stream and
LMS key, see ``tombstone_hash``) and, for categories counted from ``created``, a floor per
connector and stream: records older than it are past retention on arrival (CONTRACTS 8).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.registry.base import Base
from bridge.registry.models import (
    CustomerRelationship,
    LegalHold,
    LmsAccount,
    LmsAssignment,
    LmsAssignmentGrade,
    LmsCourse,
    LmsEnrolment,
    LmsGrade,
    LmsLogEntry,
    LmsMessage,
    LmsSubmission,
    RetentionFloor,
    Tombstone,
)
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.rights.holds import active_holds, covers
from bridge.services.secrets import register_secret, tombstone_hash
from bridge.settings import Settings
from bridge.settings.durations import Period, add_period

Users = frozenset[tuple[str, int]]




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


class _Lookup:
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
    look: _Lookup,
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


def _rows(session: Session, look: _Lookup, category: str, after: str) -> list[Row]:
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


@dataclass
class RetentionPlan:
    today: date
    delete: list[dict[str, Any]] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)
    categories: dict[str, dict[str, Any]] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list, repr=False)

    @property
    def total(self) -> int:
        return len(self.delete)

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "total": self.total,
            "categories": self.categories,
            "delete": self.delete,
            "kept": self.kept,
        }


def _item(row: Row, anchor: date, expiry: date, period: Period, after: str) -> dict[str, Any]:
    return {
        "category": row.category,
        "table": row.table,
        "id": row.id,
        "connector": row.connector,
        "stream": row.stream,
        "person_id": row.person_id,
        "organisation_id": row.organisation_id,
        "anchor": anchor.isoformat(),
        "expired": expiry.isoformat(),
        "reason": f"{period} after {after.replace('_', ' ')} ({anchor.isoformat()}) "
        f"ended {expiry.isoformat()}",
    }


def _holding(row: Row, persons: set[int], holds: list[LegalHold]) -> LegalHold | None:
    for hold in holds:
        if not covers(hold.category, row.category):
            continue
        if hold.person_id is not None and hold.person_id in persons:
            return hold
        if hold.organisation_id is not None and hold.organisation_id == row.organisation_id:
            return hold
    return None


def plan(session: Session, settings: Settings, today: date) -> RetentionPlan:
    """Exactly what ``run`` would delete today, and what holds keep."""
    result = RetentionPlan(today)
    look = _Lookup(session)
    holds = active_holds(session, today)
    for category, spec in settings.retention.categories.items():
        obligations = [
            (name, h) for name, h in settings.retention.holds.items() if covers(name, category)
        ]
        summary = {
            "period": str(spec.period),
            "after": spec.after,
            "delete": 0,
            "kept": 0,
            "handled": category in _HANDLED,
        }
        result.categories[category] = summary
        for row in _rows(session, look, category, spec.after):
            if row.event is None:
                continue
            anchor = max(row.event, row.own) if row.own else row.event
            expiry = add_period(anchor, spec.period)
            if expiry >= today:
                continue
            item = _item(row, anchor, expiry, spec.period, spec.after)
            persons = look.persons(row.users) | ({row.person_id} if row.person_id else set())
            item["person_id"] = item["person_id"] or (min(persons) if persons else None)
            legal = [
                (n, h, add_period(anchor, h.period))
                for n, h in obligations
                if add_period(anchor, h.period) >= today
            ]
            hold = _holding(row, persons, holds)
            if legal:
                name, obligation, until = legal[0]
                item["kept_by"] = {
                    "obligation": name,
                    "until": until.isoformat(),
                    "reason": obligation.reason,
                }
            elif hold is not None:
                item["kept_by"] = {
                    "hold_id": hold.id,
                    "category": hold.category,
                    "until": hold.until.isoformat(),
                    "reason": hold.reason,
                }
            if "kept_by" in item:
                result.kept.append(item)
                summary["kept"] += 1
            else:
                result.delete.append(item)
                result.rows.append(row)
                summary["delete"] += 1
    return result


_HANDLED = ("lms_logs", "messages", "submissions", "grades", "customer_data")


def _leave_markers(
    session: Session, settings: Settings, rows: list[Row], today: date
) -> tuple[int, int]:
    """Tombstones for deleted LMS rows, floors for categories counted from creation."""
    lms_rows = [r for r in rows if r.connector and r.stream]
    if not lms_rows:
        return 0, 0
    secret = register_secret(settings)
    wanted = {
        (r.connector, r.stream, tombstone_hash(secret, r.connector, r.stream, r.lms_key or ""))
        for r in lms_rows
    }
    columns = (Tombstone.connector, Tombstone.stream, Tombstone.key_hash)
    existing = {tuple(row) for row in session.execute(sa.select(*columns))}
    new = wanted - existing
    session.add_all(Tombstone(connector=c, stream=s, key_hash=h) for c, s, h in sorted(new))
    floors = 0
    for category, spec in settings.retention.categories.items():
        if spec.after != "created" or any(covers(n, category) for n in settings.retention.holds):
            continue
        cutoff = datetime.combine(
            add_period(today, Period(-spec.period.amount, spec.period.unit)), time.min, UTC
        )
        for connector, stream in {
            (r.connector, r.stream) for r in lms_rows if r.category == category
        }:
            floors += _raise_floor(session, connector or "", stream or "", int(cutoff.timestamp()))
    return len(new), floors


def _raise_floor(session: Session, connector: str, stream: str, floor: int) -> int:
    current = session.scalars(
        sa.select(RetentionFloor).where(
            RetentionFloor.connector == connector, RetentionFloor.stream == stream
        )
    ).first()
    if current is None:
        session.add(RetentionFloor(connector=connector, stream=stream, floor=floor))
    elif current.floor < floor:
        current.floor = floor
    else:
        return 0
    return 1


def run(session: Session, settings: Settings, actor: Actor, today: date) -> dict[str, int]:
    """Delete exactly what ``plan`` lists, in the caller's transaction; one audit row."""
    steps = plan(session, settings, today)
    counts: dict[str, int] = {}
    by_table: dict[str, list[int]] = {}
    for row in steps.rows:
        by_table.setdefault(row.table, []).append(row.id)
    for table, ids in sorted(by_table.items()):
        model = MODELS[table]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            session.execute(sa.delete(model).where(model.id.in_(chunk)))  # type: ignore[attr-defined]
        counts[table] = len(ids)
    tombstones, floors = _leave_markers(session, settings, steps.rows, today)
    counts.update(deleted=steps.total, kept=len(steps.kept), tombstones=tombstones, floors=floors)
    audit.record(
        session, actor, "retention run", details={"counts": counts, "today": today.isoformat()}
    )
    return counts


def plan_for_operator(
    session: Session, settings: Settings, actor: Actor, today: date
) -> RetentionPlan:
    """``plan`` for a person at the keyboard (the daemon plans unaudited): audited."""
    steps = plan(session, settings, today)
    audit.record(
        session, actor, "retention plan", details={"delete": steps.total, "kept": len(steps.kept)}
    )
    return steps
