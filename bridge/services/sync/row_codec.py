"""Records as plain tuples: the key, the content hash and the column values, without ORM work.

Change detection and row building run once per record on every sync, so they are the
write path's inner loop. Each record type gets a :class:`TableCodec` built once: it knows
the column order, which fields hold JSON and which nested dataclasses the hash must see
as dicts, and turns a record into ``(key, hash, values)`` with attribute reads, one
``json.dumps`` for the hash and one per JSON column. The hash is the same string as
``Record.hash`` (stored hashes stay valid across versions); a test holds the two equal.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa

from bridge.registry.people import normalise_email
from connectors.records import Record, UserRecord

#: Record fields holding (name, value) pairs, stored as a JSON object.
PAIR_FIELDS = frozenset({"custom_fields", "settings"})

#: Bookkeeping columns every LMS row carries after its content, in this order.
BOOKKEEPING = (
    "content_hash",
    "run_id",
    "source",
    "source_ref",
    "first_seen_at",
    "changed_at",
    "removed_in_lms_at",
)

#: Columns an update leaves as they were (besides the key).
KEEP_ON_UPDATE = frozenset({"id", "connector", "first_seen_at", "person_id", "source"})

_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode
_json = json.dumps  # what SQLAlchemy's JSON type stores on both dialects


def _stored(name: str, value: Any) -> Any:
    """A tuple field as the JSON its column stores (pairs as an object, others as a list)."""
    if name in PAIR_FIELDS:
        return _json({str(k): v for k, v in value})
    return _json([dataclasses.asdict(v) if dataclasses.is_dataclass(v) else v for v in value])


def row_values(record: Record) -> dict[str, Any]:
    """A record's content as column values, JSON columns as the objects they store (for
    checks that look at values, e.g. :mod:`bridge.services.sync.column_fit`)."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if f.name in PAIR_FIELDS:
            value = {str(k): v for k, v in value}
        elif isinstance(value, tuple):
            value = [dataclasses.asdict(v) if dataclasses.is_dataclass(v) else v for v in value]
        values[f.name] = value
    if isinstance(record, UserRecord):
        values["email_normalised"] = normalise_email(record.email)
    return values


@dataclass(frozen=True)
class TableCodec:
    """How one record type becomes rows of one table."""

    table: sa.Table
    key_fields: tuple[str, ...]
    fields: tuple[str, ...]  # the record's fields, in column order
    hashed: tuple[str, ...]  # the fields the content hash covers
    nested: tuple[str, ...]  # hashed tuple fields (any dataclass in them is a dict to the hash)
    json_fields: frozenset[str]
    with_email: bool

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns :meth:`row` fills, in its order."""
        email = ("email_normalised",) if self.with_email else ()
        return ("connector", *self.fields, *email, *BOOKKEEPING)

    @property
    def update_columns(self) -> tuple[str, ...]:
        keep = KEEP_ON_UPDATE | set(self.key_fields)
        return tuple(c for c in self.columns if c not in keep)

    def key_and_hash(self, record: Record) -> tuple[tuple[Any, ...], str]:
        values = {name: getattr(record, name) for name in self.hashed}
        for name in self.nested:
            items = values[name]
            if items and dataclasses.is_dataclass(items[0]):
                values[name] = tuple(dataclasses.asdict(v) for v in items)
        digest = hashlib.sha256(_dumps(values).encode("utf-8")).hexdigest()
        return tuple(getattr(record, name) for name in self.key_fields), digest

    def row(
        self, record: Record, digest: str, connector: str, tail: tuple[Any, ...]
    ) -> tuple[Any, ...]:
        """The row's values; ``tail`` is (run_id, source, first_seen_at, changed_at),
        converted once per batch by the caller."""
        values: list[Any] = [connector]
        json_fields = self.json_fields
        for name in self.fields:
            value = getattr(record, name)
            values.append(_stored(name, value) if name in json_fields else value)
        if self.with_email:
            values.append(normalise_email(record.email))  # type: ignore[attr-defined]
        run_id, source, first_seen_at, changed_at = tail
        key = "/".join(str(getattr(record, name)) for name in self.key_fields)
        ref = f"{connector}:{type(record).__name__}:{key}"
        values += (digest, run_id, source, ref, first_seen_at, changed_at, None)
        return tuple(values)


@cache
def codec_for(record_type: type[Record], table: sa.Table) -> TableCodec:
    fields = tuple(f.name for f in dataclasses.fields(record_type))
    json_fields = frozenset(
        name for name in fields if isinstance(table.c[name].type, sa.JSON)
    )
    hashed = tuple(name for name in fields if name not in record_type.hash_exclude)
    tuples = {f.name for f in dataclasses.fields(record_type) if str(f.type).startswith("tuple[")}
    nested = tuple(name for name in hashed if name in tuples)
    return TableCodec(
        table=table,
        key_fields=record_type.key_fields,
        fields=fields,
        hashed=hashed,
        nested=nested,
        json_fields=json_fields,
        with_email=record_type is UserRecord,
    )


def bind_value(table: sa.Table, column: str, dialect: sa.Dialect) -> Callable[[Any], Any]:
    """The dialect's conversion of one column's value (used once per batch for timestamps)."""
    processor = table.c[column].type.bind_processor(dialect)
    return processor if processor is not None else (lambda value: value)
