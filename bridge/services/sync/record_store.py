"""How typed LMS records become register rows: bulk, idempotent, written only when changed.

One batch is one transaction (the caller's session). Existing rows are read by
key first; only new rows and rows whose content hash changed are written, with
one ``INSERT … ON CONFLICT DO UPDATE`` statement per table. A record that is
already stored with the same hash costs a read and nothing else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.registry.base import Base
from bridge.registry.dialect import insert_for
from bridge.registry.models import (
    LmsAccount,
    LmsAssignment,
    LmsAssignmentGrade,
    LmsCourse,
    LmsEnrolment,
    LmsGrade,
    LmsGradeItem,
    LmsLogEntry,
    LmsMessage,
    LmsSubmission,
)
from bridge.registry.people import normalise_email
from bridge.services.rights.suppression import SuppressionList
from bridge.services.sync.person_linking import link_accounts
from bridge.services.sync.retention_guard import RetentionGuard
from connectors.records import (
    AssignmentGradeRecord,
    AssignmentRecord,
    CourseRecord,
    EnrolmentRecord,
    GradeItemRecord,
    GradeRecord,
    LogEntryRecord,
    MessageRecord,
    Record,
    SubmissionRecord,
    UserRecord,
)

#: Record type → register table.
TABLE_OF: dict[type[Record], type[Base]] = {
    UserRecord: LmsAccount,
    CourseRecord: LmsCourse,
    EnrolmentRecord: LmsEnrolment,
    GradeItemRecord: LmsGradeItem,
    GradeRecord: LmsGrade,
    AssignmentRecord: LmsAssignment,
    SubmissionRecord: LmsSubmission,
    AssignmentGradeRecord: LmsAssignmentGrade,
    MessageRecord: LmsMessage,
    LogEntryRecord: LmsLogEntry,
}



def stream_tables(stream: str) -> tuple[type[Base], ...]:
    """The register tables a stream's records are stored in."""
    return tuple(dict.fromkeys(t for r, t in TABLE_OF.items() if r.stream == stream))


#: Record fields holding (name, value) pairs, stored as a JSON object.
_PAIR_FIELDS = {"custom_fields", "settings"}


def row_values(record: Record) -> dict[str, Any]:
    """A record's content as column values (tuples become JSON lists or objects)."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if f.name in _PAIR_FIELDS:
            value = {str(k): v for k, v in value}
        elif isinstance(value, tuple):
            value = [dataclasses.asdict(v) if dataclasses.is_dataclass(v) else v for v in value]
        values[f.name] = value
    if isinstance(record, UserRecord):
        values["email_normalised"] = normalise_email(record.email)
    return values


@dataclass
class WriteStats:
    """What storing one or more batches did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows_written: int = 0
    persons_created: int = 0
    linked: int = 0
    suppressed: int = 0
    retained: int = 0

    def add(self, other: WriteStats) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rows_written += other.rows_written
        self.persons_created += other.persons_created
        self.linked += other.linked
        self.suppressed += other.suppressed
        self.retained += other.retained


@dataclass(frozen=True)
class _Existing:
    content_hash: str
    removed: bool


class RecordStore:
    """Writes one connector's records into the register."""

    def __init__(
        self,
        connector: str,
        *,
        run_id: int | None,
        now: datetime,
        suppression: SuppressionList | None = None,
        retention: RetentionGuard | None = None,
        stream: str = "",
    ) -> None:
        self.connector, self.run_id, self.now = connector, run_id, now
        self.suppression, self.retention, self.stream = suppression, retention, stream
        #: Suppressed accounts the LMS shows active: drift enforcement revokes them.
        self.active_suppressed: set[int] = set()

    def store(self, session: Session, records: Sequence[Record]) -> WriteStats:
        stats = WriteStats()
        by_type: dict[type[Record], dict[tuple[Any, ...], Record]] = {}
        for record in records:  # the last of duplicates wins (overlapping reads)
            if self.suppression is not None and self.suppression.blocks(record):
                stats.suppressed += 1
                if isinstance(record, UserRecord) and not record.suspended and not record.deleted:
                    self.active_suppressed.add(record.lms_user_id)
                continue
            if self.retention is not None and self.retention.blocks(self.stream, record):
                stats.retained += 1  # deleted by retention: never imported again
                continue
            by_type.setdefault(type(record), {})[record.key] = record
        for record_type, keyed in by_type.items():
            stats.add(self._store_table(session, record_type, keyed))
        return stats

    def _store_table(
        self, session: Session, record_type: type[Record], keyed: dict[tuple[Any, ...], Record]
    ) -> WriteStats:
        model = TABLE_OF[record_type]
        table = model.__table__
        key_columns = [table.c[name] for name in record_type.key_fields]
        existing = self._existing(session, model, key_columns, list(keyed))
        stats = WriteStats()
        rows: list[dict[str, Any]] = []
        for key, record in keyed.items():
            digest = record.hash
            before = existing.get(key)
            if before is not None and before.content_hash == digest and not before.removed:
                stats.unchanged += 1
                continue
            if before is None:
                stats.created += 1
            else:
                stats.updated += 1
            rows.append(self._row(record, digest, key))
        if rows:
            stats.rows_written += self._upsert(session, model, key_columns, rows)
        if record_type is UserRecord and rows:
            created, linked = link_accounts(
                session, self.connector, [r["lms_user_id"] for r in rows], self.now
            )
            stats.persons_created += created
            stats.linked += linked
            stats.rows_written += created + linked
        return stats

    def _row(self, record: Record, digest: str, key: tuple[Any, ...]) -> dict[str, Any]:
        values = row_values(record)
        values.update(
            connector=self.connector,
            content_hash=digest,
            run_id=self.run_id,
            source="lms_sync",
            source_ref=f"{self.connector}:{type(record).__name__}:{'/'.join(map(str, key))}",
            first_seen_at=self.now,
            changed_at=self.now,
            removed_in_lms_at=None,
        )
        return values

    def _existing(
        self,
        session: Session,
        model: type[Base],
        key_columns: list[sa.Column[Any]],
        keys: list[tuple[Any, ...]],
    ) -> dict[tuple[Any, ...], _Existing]:
        table = model.__table__
        condition = (
            key_columns[0].in_([k[0] for k in keys])
            if len(key_columns) == 1
            else sa.tuple_(*key_columns).in_(keys)
        )
        query = sa.select(
            *key_columns, table.c.content_hash, table.c.removed_in_lms_at.is_not(None)
        ).where(table.c.connector == self.connector, condition)
        found: dict[tuple[Any, ...], _Existing] = {}
        for row in session.execute(query):
            found[tuple(row[: len(key_columns)])] = _Existing(row[-2], bool(row[-1]))
        return found

    def _upsert(
        self,
        session: Session,
        model: type[Base],
        key_columns: list[sa.Column[Any]],
        rows: list[dict[str, Any]],
    ) -> int:
        table = model.__table__
        statement = insert_for(session)(table)
        keep_on_update = {"id", "connector", "first_seen_at", "person_id", "source"}
        keep_on_update.update(c.name for c in key_columns)
        columns = rows[0].keys()
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.connector, *key_columns],
            set_={name: statement.excluded[name] for name in columns if name not in keep_on_update},
        )
        session.execute(statement, rows)
        return len(rows)


def keys_of(records: Iterable[Record]) -> list[tuple[type[Base], tuple[Any, ...]]]:
    return [(TABLE_OF[type(r)], r.key) for r in records]
