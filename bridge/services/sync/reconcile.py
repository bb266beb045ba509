"""Reconciliation: what a full listing no longer shows is marked "removed in LMS", never
deleted (N12); what comes back is un-marked. Set-based: the keys seen are collected in a
scratch table and each table is marked with two statements per pass (CONTRACTS 1).

Only a complete listing may mark anything: the parts of a stream whose listing was not
complete (``held`` courses) keep their marks as they were, and the engine asks
:func:`count_removals` first so that the safety valve (:mod:`.removal_valve`) can refuse
a pass that would mark too much.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.services.sync.tables import TABLE_OF
from bridge.store.base import Base
from bridge.store.models import LmsCourse, SyncSeenKey
from connectors.records import Record

KEY_FIELDS_OF: dict[type[Base], tuple[str, ...]] = {
    model: record_type.key_fields for record_type, model in TABLE_OF.items()
}


def remember_seen(session: Session, run_id: int, records: Iterable[Record]) -> None:
    rows = [_seen_row(run_id, TABLE_OF[type(r)], r.key) for r in records]
    if rows:
        session.execute(sa.insert(SyncSeenKey.__table__), rows)


def keep(session: Session, run_id: int, model: type[Base], keys: Iterable[int]) -> None:
    """Count rows of single-key ``model`` as seen this pass: the LMS said they still exist."""
    rows = [_seen_row(run_id, model, (key,)) for key in keys]
    if rows:
        session.execute(sa.insert(SyncSeenKey.__table__), rows)


def _seen_row(run_id: int, model: type[Base], key: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "table_name": model.__tablename__,
        "k1": key[0],
        "k2": key[1] if len(key) > 1 else 0,
    }


def vanished_keys(session: Session, run_id: int, connector: str, model: type[Base]) -> list[int]:
    """The first key field of the live rows of ``model`` this pass did not see."""
    table = model.__table__
    column = table.c[KEY_FIELDS_OF[model][0]]
    query = sa.select(column).where(_vanished(model, run_id, connector, ())).order_by(column)
    return [int(key) for key in session.scalars(query)]


def _was_seen(model: type[Base], run_id: int) -> Any:
    seen = SyncSeenKey.__table__
    table = model.__table__
    keys = [table.c[name] for name in KEY_FIELDS_OF[model]]
    k2: Any = keys[1] if len(keys) > 1 else sa.literal(0)
    return sa.exists().where(
        seen.c.run_id == run_id,
        seen.c.table_name == table.name,
        seen.c.k1 == keys[0],
        seen.c.k2 == k2,
    )


def _vanished(model: type[Base], run_id: int, connector: str, held: Collection[int]) -> Any:
    """Live rows of ``connector`` this pass did not see, outside the ``held`` courses."""
    table = model.__table__
    condition = sa.and_(
        table.c.connector == connector,
        table.c.removed_in_lms_at.is_(None),
        ~_was_seen(model, run_id),
    )
    if held:
        condition = sa.and_(condition, table.c.lms_course_id.not_in(sorted(held)))
    return condition


@dataclass
class Removals:
    """What a pass would mark, per table: ``(would mark, live rows)``; and the courses that
    would lose every row of a table although the course itself is still listed."""

    tables: dict[str, tuple[int, int]] = field(default_factory=dict)
    emptied: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(marked for marked, _ in self.tables.values())


def count_removals(
    session: Session,
    run_id: int,
    connector: str,
    models: Iterable[type[Base]],
    held: Collection[int] = (),
    *,
    per_course: bool = False,
) -> Removals:
    """Count what :func:`mark_removed` would mark, without marking.

    With ``per_course``, also find courses whose every live row would be marked. A course
    the register already knows as removed (the courses listing no longer shows it) is left
    out: its rows vanishing is explained, and counting it would make every deleted course
    trip the valve.
    """
    removals = Removals()
    for model in models:
        table = model.__table__
        live = sa.and_(table.c.connector == connector, table.c.removed_in_lms_at.is_(None))
        live_count = session.scalar(sa.select(sa.func.count()).where(live)) or 0
        vanished = _vanished(model, run_id, connector, held)
        marked = session.scalar(sa.select(sa.func.count()).where(vanished)) or 0
        removals.tables[table.name] = (marked, live_count)
        if per_course and marked:
            removals.emptied[table.name] = _emptied_courses(session, model, connector, vanished)
    return removals


def _emptied_courses(
    session: Session, model: type[Base], connector: str, vanished: Any
) -> list[tuple[int, int]]:
    table = model.__table__
    course = table.c.lms_course_id
    gone = sa.select(LmsCourse.lms_course_id).where(
        LmsCourse.connector == connector, LmsCourse.removed_in_lms_at.is_not(None)
    )
    live = sa.and_(table.c.connector == connector, table.c.removed_in_lms_at.is_(None))
    counts = (
        sa.select(
            course,
            sa.func.count().label("live"),
            sa.func.sum(sa.case((vanished, 1), else_=0)).label("marked"),
        )
        .where(live, course.not_in(gone))
        .group_by(course)
    )
    return sorted(
        (int(row.lms_course_id), int(row.live))
        for row in session.execute(counts)
        if row.live and row.marked == row.live
    )


def mark_removed(
    session: Session,
    run_id: int,
    connector: str,
    models: Iterable[type[Base]],
    now: datetime,
    held: Collection[int] = (),
) -> int:
    """Mark rows not seen in this pass as removed, un-mark and stamp those seen.

    Rows of the ``held`` courses (whose listing was incomplete) keep their marks.
    Returns how many rows were newly marked removed.
    """
    removed = 0
    for model in models:
        table = model.__table__
        result = session.execute(
            sa.update(table)
            .where(_vanished(model, run_id, connector, held))
            .values(removed_in_lms_at=now)
        )
        removed += result.rowcount or 0
        session.execute(
            sa.update(table)
            .where(table.c.connector == connector, _was_seen(model, run_id))
            .values(last_seen_at=now, removed_in_lms_at=None)
        )
    forget_seen(session, run_id)
    return removed


def forget_seen(session: Session, run_id: int) -> None:
    session.execute(sa.delete(SyncSeenKey.__table__).where(SyncSeenKey.run_id == run_id))
