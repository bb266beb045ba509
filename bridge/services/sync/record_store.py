"""How typed LMS records become register rows: bulk, idempotent, written only when changed.

One batch is one transaction (the caller's session). The stored hashes of a batch are
read per table in one statement; only new rows and rows whose content hash changed are
built (plain tuples, :mod:`row_codec`) and written, in one bulk upsert per table
(:mod:`bridge.store.bulk`: ``executemany`` on SQLite, ``COPY`` into a staging table
and one ``INSERT … SELECT`` on PostgreSQL). A record already stored with the same hash
costs its share of one read and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.services.access.suppression import SuppressionList
from bridge.services.sync.column_fit import misfit_reject, row_fit
from bridge.services.sync.person_linking import link_accounts
from bridge.services.sync.retention_guard import RetentionGuard
from bridge.services.sync.row_codec import Changes, bind_value, codec_for
from bridge.services.sync.tables import TABLE_OF
from bridge.store.base import Base
from bridge.store.bulk import new_rows, read_hashes, upsert_rows
from connectors.records import Record, Reject, UserRecord


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
    #: Records the register's columns cannot hold, with the reason, for the quarantine.
    rejects: list[Reject] = field(default_factory=list)

    def add(self, other: WriteStats) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rows_written += other.rows_written
        self.persons_created += other.persons_created
        self.linked += other.linked
        self.suppressed += other.suppressed
        self.retained += other.retained
        self.rejects += other.rejects


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
        """Write ``records`` in the caller's transaction (one batch of one stream)."""
        stats = WriteStats()
        by_type: dict[type[Record], list[Record]] = {}
        if not self._may_set_aside():
            kinds = set(map(type, records))
            if len(kinds) == 1:  # a stream's batch is mostly of one record type
                by_type[kinds.pop()] = list(records)
                records = ()
        for record in records:
            if self.suppression is not None and self.suppression.blocks(record):
                stats.suppressed += 1
                if isinstance(record, UserRecord) and not record.suspended and not record.deleted:
                    self.active_suppressed.add(record.lms_user_id)
                continue
            if self.retention is not None and self.retention.blocks(self.stream, record):
                stats.retained += 1  # deleted by retention: never imported again
                continue
            by_type.setdefault(type(record), []).append(record)
        for record_type, typed in by_type.items():
            stats.add(self._store_table(session, record_type, typed))
        return stats

    def _may_set_aside(self) -> bool:
        """Whether suppression or retention can keep any record of the stream out."""
        return (self.suppression is not None and self.suppression.may_block()) or (
            self.retention is not None and self.retention.may_block(self.stream)
        )

    def _store_table(
        self, session: Session, record_type: type[Record], records: list[Record]
    ) -> WriteStats:
        table = TABLE_OF[record_type].__table__
        codec = codec_for(record_type, table)
        # the last of duplicates wins (overlapping reads)
        keyed = dict(zip(map(codec.read_key, records), records, strict=True))
        connection = session.connection()
        stored = {
            tuple(row[:-2]): (row[-2], bool(row[-1]))
            for row in read_hashes(connection, table, codec.key_fields, self.connector, list(keyed))
        }
        tail = self._tail(table, connection.dialect)
        with new_rows(connection, table, codec.columns) as sink:
            changes = codec.changes(
                keyed, stored, self.connector, tail, sink, row_fit(table, codec.columns)
            )
        rejects: list[Reject] = []
        upserted_new = self._look_closer(changes, codec.with_email, rejects)
        stats = WriteStats(created=sink.count + upserted_new,
                           updated=len(changes.changed) - upserted_new,
                           unchanged=changes.unchanged, rows_written=sink.count,
                           rejects=rejects)
        stats.rows_written += upsert_rows(
            connection, table, codec.columns, codec.key_fields, codec.update_columns,
            changes.changed,
        )
        if changes.written_ids:
            created, linked = link_accounts(session, self.connector, changes.written_ids, self.now)
            stats.persons_created += created
            stats.linked += linked
            stats.rows_written += created + linked
        return stats

    def _look_closer(self, changes: Changes, with_email: bool, rejects: list[Reject]) -> int:
        """Sets the doubtful rows the register cannot hold aside in ``rejects`` (with the
        reason) and adds the others to the upsert; returns how many of those are new."""
        new = 0
        for doubt in changes.doubtful:
            reject = misfit_reject(self.stream, doubt.record)
            if reject is not None:
                rejects.append(reject)
                continue
            changes.changed.append(doubt.row)
            new += doubt.new
            if with_email:
                changes.written_ids.append(doubt.key[0])
        return new

    def _tail(self, table: sa.Table, dialect: sa.Dialect) -> tuple[Any, ...]:
        """(run_id, source, first_seen_at, changed_at) as the driver takes them: the
        timestamps are the same for the whole batch, so they are converted once (on
        PostgreSQL to ISO text, which COPY parses faster than the driver formats a
        datetime for every row)."""
        stamp = bind_value(table, "first_seen_at", dialect)(self.now)
        if isinstance(stamp, datetime):
            stamp = stamp.isoformat()
        return (self.run_id, "lms_sync", stamp, stamp)


def keys_of(records: Iterable[Record]) -> list[tuple[type[Base], tuple[Any, ...]]]:
    return [(TABLE_OF[type(r)], r.key) for r in records]
