"""What retention deleted stays deleted: a sync, ``--full`` included, skips records under a
stream's retention floor and records whose key has a tombstone (CONTRACTS 8)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.services.secrets import register_secret, tombstone_hash
from bridge.settings import Settings
from bridge.store.models import RetentionFloor, Tombstone
from connectors.records import Record

#: The record time a floor is compared with, in order of preference.
TIME_FIELDS = ("time_modified", "time_created", "graded_at")


def record_time(record: Record) -> int | None:
    for name in TIME_FIELDS:
        value = getattr(record, name, None)
        if isinstance(value, int) and value:
            return value
    return None


class RetentionGuard:
    def __init__(
        self,
        connector: str,
        floors: dict[str, int],
        tombstones: set[tuple[str, str]],
        secret: bytes,
    ) -> None:
        self.connector, self.floors, self.tombstones, self.secret = (
            connector,
            floors,
            tombstones,
            secret,
        )

    @classmethod
    def load(cls, session: Session, settings: Settings, connector: str) -> RetentionGuard:
        floors = {
            stream: floor
            for stream, floor in session.execute(
                sa.select(RetentionFloor.stream, RetentionFloor.floor).where(
                    RetentionFloor.connector == connector
                )
            )
        }
        tombstones = {
            (stream, digest)
            for stream, digest in session.execute(
                sa.select(Tombstone.stream, Tombstone.key_hash).where(
                    Tombstone.connector == connector
                )
            )
        }
        secret = register_secret(settings) if tombstones else b""
        return cls(connector, floors, tombstones, secret)

    def may_block(self, stream: str) -> bool:
        """Whether :meth:`blocks` can be true for any record of ``stream``."""
        return stream in self.floors or bool(self.tombstones)

    def blocks(self, stream: str, record: Record) -> bool:
        floor = self.floors.get(stream)
        if floor is not None:
            when = record_time(record)
            if when is not None and when < floor:
                return True
        if not self.tombstones:
            return False
        key = ":".join(str(part) for part in record.key)
        return (stream, tombstone_hash(self.secret, self.connector, stream, key)) in self.tombstones
