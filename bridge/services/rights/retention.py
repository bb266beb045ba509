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

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.rights.holds import active_holds, covers
from bridge.services.rights.retention_rows import HANDLED, MODELS, Lookup, Row, category_rows
from bridge.services.secrets import register_secret, tombstone_hash
from bridge.settings import Settings
from bridge.settings.durations import Period, add_period
from bridge.store.models import LegalHold, RetentionFloor, Tombstone


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
    look = Lookup(session)
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
            "handled": category in HANDLED,
        }
        result.categories[category] = summary
        for row in category_rows(session, look, category, spec.after):
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
