"""Stored sync state: bookmarks, when each stream is due, and the quarantine.

A bookmark is a server value taken from the data (CONTRACTS 1, reference 5) and is
stored in the same transaction as the rows it covers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.settings.cron import cron_trigger
from bridge.settings.durations import Schedule
from bridge.store.dialect import insert_for
from bridge.store.models import QuarantinedRecord, SyncBookmark
from connectors.records import Reject
from connectors.redaction import redact


def load_bookmarks(session: Session, connector: str) -> dict[str, SyncBookmark]:
    rows = session.scalars(sa.select(SyncBookmark).where(SyncBookmark.connector == connector))
    return {row.stream: row for row in rows}


def save_bookmark(
    session: Session,
    connector: str,
    stream: str,
    bookmark: Mapping[str, Any] | None,
    *,
    run_id: int,
    now: datetime,
    completed: bool = False,
    reconciled: bool = False,
) -> None:
    values: dict[str, Any] = {"run_id": run_id, "updated_at": now}
    if bookmark is not None:
        values["bookmark"] = dict(bookmark)
    if completed:
        values["last_completed_at"] = now
    if reconciled:
        values["last_reconciled_at"] = now
    table = SyncBookmark.__table__
    statement = insert_for(session)(table).values(connector=connector, stream=stream, **values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.connector, table.c.stream], set_=values
        )
    )


def next_due(schedule: Schedule, last_completed: datetime | None) -> datetime | None:
    """When a stream is next due; ``None`` means now (it never completed)."""
    if last_completed is None:
        return None
    if schedule.cron:
        trigger = cron_trigger(schedule.cron, timezone="UTC")
        return trigger.get_next_fire_time(None, last_completed)
    assert schedule.interval is not None
    return last_completed + schedule.interval


def is_due(schedule: Schedule, last_completed: datetime | None, now: datetime) -> bool:
    due = next_due(schedule, last_completed)
    return due is None or due <= now


def scrub(payload: Any, secrets: Sequence[str]) -> Any:
    """Remove secret values from a payload before it is stored (belt and braces)."""
    return json.loads(redact(json.dumps(payload, default=str, sort_keys=True), secrets))


def quarantine(
    session: Session,
    connector: str,
    run_id: int,
    rejects: Sequence[Reject],
    secrets: Sequence[str],
    now: datetime,
) -> int:
    """Set rejected records aside with their reason; the same record is kept once."""
    rows = []
    for reject in rejects:
        payload = scrub(dict(reject.payload), secrets)
        digest = hashlib.sha256(
            json.dumps([reject.stream, payload], sort_keys=True).encode()
        ).hexdigest()
        rows.append((reject, payload, digest))
    if not rows:
        return 0
    known = set(
        session.scalars(
            sa.select(QuarantinedRecord.payload_hash).where(
                QuarantinedRecord.connector == connector,
                QuarantinedRecord.resolved_at.is_(None),
                QuarantinedRecord.payload_hash.in_([d for _, _, d in rows]),
            )
        )
    )
    fresh = [
        {
            "run_id": run_id,
            "connector": connector,
            "stream": reject.stream,
            "lms_id": reject.lms_id,
            "reason": scrub(reject.reason, secrets),
            "payload": payload,
            "payload_hash": digest,
            "created_at": now,
        }
        for reject, payload, digest in rows
        if digest not in known
    ]
    if fresh:
        session.execute(sa.insert(QuarantinedRecord.__table__), fresh)
    return len(rows)
