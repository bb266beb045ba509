"""Records as plain tuples: the key, the content hash and the column values, without ORM work.

Change detection and row building run once per record on every sync, so they are the
write path's inner loop. Each record type gets a :class:`TableCodec` built once: it knows
the column order, which fields hold JSON and which nested dataclasses the hash must see
as dicts, and turns a record into ``(key, hash, values)`` with attribute reads, one
encoding of the hashed values as an array (put into the type's fixed text of keys, so
no key is encoded per record) and one per non-empty JSON column. The hash is the same
string as ``Record.hash`` (stored hashes stay valid across versions); a test holds the
two equal.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from hashlib import sha256
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from operator import attrgetter
from typing import Any, NamedTuple

import sqlalchemy as sa

from bridge.store.bulk import RowSink
from bridge.store.people import normalise_email
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


def _dumps_encoder() -> Callable[[Any], str]:
    """``json.dumps`` (what SQLAlchemy's JSON type stores on both dialects) for a list or
    dict, with the C encoder made once instead of on every call."""
    if c_make_encoder is None:
        return json.dumps
    encoder = c_make_encoder(None, json.JSONEncoder().default, encode_basestring_ascii, None,
                             ": ", ", ", False, False, True)
    return lambda value: "".join(encoder(value, 0))


_json = _dumps_encoder()


def _stored(name: str, value: Any) -> Any:
    """A tuple field as the JSON its column stores (pairs as an object, others as a list)."""
    if name in PAIR_FIELDS:
        return _json({str(k): v for k, v in value}) if value else "{}"
    return _json([_plain(item) for item in value]) if value else "[]"


#: The same few role, group and setting lists recur on thousands of rows: their JSON is
#: kept. Only for fields of text, where equal tuples always mean equal JSON (``(1,)``
#: and ``(True,)`` are equal tuples with different JSON).
_stored_text = lru_cache(maxsize=4096)(_stored)
_TEXT_TUPLES = ("tuple[str, ...]", "tuple[tuple[str, str], ...]")


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


class Doubt(NamedTuple):
    """A row the quick fit check did not pass, with what its closer look needs."""

    key: tuple[Any, ...]
    record: Record
    row: tuple[Any, ...]
    new: bool


@dataclass
class Changes:
    """What one batch of one record type needs written besides its new rows."""

    changed: list[tuple[Any, ...]] = field(default_factory=list)
    unchanged: int = 0
    #: Rows the quick fit check did not pass: the caller looks closer.
    doubtful: list[Doubt] = field(default_factory=list)
    #: The first key field of every row written (the account ids, for user rows).
    written_ids: list[Any] = field(default_factory=list)


def _hash_encoder() -> Callable[[Any], str]:
    """``connectors.records.content_hash``'s JSON for a dict whose keys are already in
    sorted order. CPython's C encoder is called directly: ``JSONEncoder.encode`` costs
    more per call than encoding a record does."""
    if c_make_encoder is None:
        return json.JSONEncoder(separators=(",", ":"), default=str).encode
    # markers=None: records hold no cycles; allow_nan as json.dumps's default
    encoder = c_make_encoder(None, str, encode_basestring_ascii, None, ":", ",",
                             False, False, True)
    return lambda value: "".join(encoder(value, 0))


_encode_sorted = _hash_encoder()

#: Between the top-level values of :func:`_encode_apart`'s array: a control character,
#: which JSON always writes escaped, so it occurs nowhere else in the text.
_APART = "\x00"
_encode_apart = (
    None if c_make_encoder is None
    else c_make_encoder(None, str, encode_basestring_ascii, None, ":", _APART,
                        False, False, True)
)


def _hashed_json(value: tuple[Any, ...]) -> str:
    """A tuple field as the content hash encodes it (nested records as sorted dicts)."""
    return _encode_sorted([_plain(item, ordered=True) for item in value])


#: Text tuples (roles, groups, settings) recur; equal ones always encode alike.
_hashed_text_json = lru_cache(maxsize=4096)(_hashed_json)


def _getter(names: Sequence[str]) -> Callable[[Any], tuple[Any, ...]]:
    """Reads ``names`` off a record as one tuple (one C call for several fields)."""
    if len(names) == 1:
        name = names[0]
        return lambda record: (getattr(record, name),)
    return attrgetter(*names)


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


@cache
def _part_reader(kind: type, ordered: bool) -> Callable[[Any], dict[str, Any]] | None:
    if not dataclasses.is_dataclass(kind):
        return None
    names = tuple(sorted(_field_names(kind))) if ordered else _field_names(kind)
    read = _getter(names)
    return lambda item: dict(zip(names, read(item), strict=True))


def _plain(item: Any, *, ordered: bool = False) -> Any:
    """A nested record part (e.g. a submitted file) as the dict ``dataclasses.asdict``
    makes of it; its fields are plain values, so a shallow copy is the same dict.
    ``ordered`` gives the keys sorted, as the hash's encoder would."""
    reader = _part_reader(type(item), ordered)
    return item if reader is None else reader(item)


class TableCodec:
    """How one record type becomes rows of one table.

    Built once per (record type, table): the attribute getters, the hashed fields in
    the order the hash encodes them and the JSON columns' positions are worked out here,
    so that the per-record work is a few C-level calls.
    """

    def __init__(self, record_type: type[Record], table: sa.Table) -> None:
        self.table = table
        self.key_fields: tuple[str, ...] = record_type.key_fields
        self.fields = _field_names(record_type)
        self.json_fields = frozenset(
            name for name in self.fields if isinstance(table.c[name].type, sa.JSON)
        )
        self.with_email = record_type is UserRecord
        email = ("email_normalised",) if self.with_email else ()
        #: The columns :meth:`row` fills, in its order.
        self.columns: tuple[str, ...] = ("connector", *self.fields, *email, *BOOKKEEPING)
        keep = KEEP_ON_UPDATE | set(self.key_fields)
        self.update_columns = tuple(c for c in self.columns if c not in keep)
        # The hash encodes a dict with sorted keys; building it in sorted order lets the
        # encoder skip the sort and the dict be made by ``zip``.
        self._hashed = tuple(sorted(set(self.fields) - set(record_type.hash_exclude)))
        self._read_hashed = _getter(self._hashed)
        tuples = {f.name for f in dataclasses.fields(record_type)
                  if str(f.type).startswith("tuple[")}
        self._nested = tuple(i for i, name in enumerate(self._hashed) if name in tuples)
        self._read_fields = _getter(self.fields)
        #: The record's key as a tuple.
        self.read_key = _getter(self.key_fields)
        text = {f.name for f in dataclasses.fields(record_type) if str(f.type) in _TEXT_TUPLES}
        # The hash's text is the object's keys, fixed per type, around the values: the
        # values are encoded as one array (no key encoded per record), split apart, and
        # put into this template; tuple fields are encoded on their own.
        keys = [encode_basestring_ascii(name).replace("%", "%%") for name in self._hashed]
        self._hash_template = "{" + ",".join(f"{key}:%s" for key in keys) + "}"
        self._hashed_tuples = tuple(
            (i, _hashed_text_json if self._hashed[i] in text else _hashed_json)
            for i in self._nested
        )
        # positions in the row, after ``connector``
        self._json_at = tuple(
            (i, name, _stored_text if name in text else _stored)
            for i, name in enumerate(self.fields, 1) if name in self.json_fields
        )
        self._email_at = self.fields.index("email") + 1 if self.with_email else -1
        #: ``source_ref`` after the connector: ``:Type:key/key`` (each key field as ``str``).
        self._ref_template = f":{record_type.__name__}:" + "/".join(["%s"] * len(self.key_fields))

    def digest(self, record: Record) -> str:
        """The record's content hash (the same string as ``Record.hash``)."""
        values = self._read_hashed(record)
        if _encode_apart is None:
            return self._digest_of_dict(values)
        tuples: list[tuple[int, str]] = []
        if self._hashed_tuples:
            values = list(values)
            for i, encode in self._hashed_tuples:
                if values[i]:  # an empty one is "[]" in the array too
                    tuples.append((i, encode(values[i])))
                    values[i] = None
        parts = "".join(_encode_apart(values, 0))[1:-1].split(_APART)
        if len(parts) != len(self._hashed):  # a value held an array or object of its own
            return self._digest_of_dict(self._read_hashed(record))
        for i, text in tuples:
            parts[i] = text
        return sha256((self._hash_template % tuple(parts)).encode()).hexdigest()

    def _digest_of_dict(self, values: Sequence[Any]) -> str:
        """:meth:`digest` the plain way: the dict of the hashed fields, encoded."""
        if self._nested:
            values = list(values)
            for i in self._nested:
                values[i] = [_plain(item, ordered=True) for item in values[i]]
        encoded = _encode_sorted(dict(zip(self._hashed, values, strict=True)))
        return sha256(encoded.encode()).hexdigest()

    def changes(
        self,
        keyed: Mapping[tuple[Any, ...], Record],
        stored: Mapping[tuple[Any, ...], tuple[str, bool]],
        connector: str,
        tail: tuple[Any, ...],
        new: RowSink,
        fits: Callable[[tuple[Any, ...]], bool],
    ) -> Changes:
        """The rows to write for ``keyed`` given the ``stored`` (hash, removed) by key:
        rows of absent keys go to ``new`` as they are built; rows whose hash changed or
        that were marked removed, the rows ``fits`` doubts, and a count of the rest, are
        returned. A record stored with the same hash costs its hash and nothing else, not
        even the fit check. This is the write path's inner loop, so it reads its
        attributes once."""
        digest, row, add_new = self.digest, self.row, new.append
        changes = Changes()
        changed, doubtful, written_ids = changes.changed, changes.doubtful, changes.written_ids
        with_email = self.with_email
        for key, record in keyed.items():
            value = digest(record)
            before = stored.get(key)
            if before is not None and before[0] == value and not before[1]:
                changes.unchanged += 1
                continue
            values = row(record, key, value, connector, tail)
            if not fits(values):
                doubtful.append(Doubt(key, record, values, before is None))
                continue
            if before is None:
                add_new(values)
            else:
                changed.append(values)
            if with_email:
                written_ids.append(key[0])
        return changes

    def row(
        self,
        record: Record,
        key: tuple[Any, ...],
        digest: str,
        connector: str,
        tail: tuple[Any, ...],
    ) -> tuple[Any, ...]:
        """The row's values; ``tail`` is (run_id, source, first_seen_at, changed_at),
        converted once per batch by the caller."""
        run_id, source, first_seen_at, changed_at = tail
        ref = connector + self._ref_template % key
        if not self._json_at and not self.with_email:  # plain values: no list to adjust
            return (connector, *self._read_fields(record),
                    digest, run_id, source, ref, first_seen_at, changed_at, None)
        values = [connector, *self._read_fields(record)]
        for i, name, encode in self._json_at:
            values[i] = encode(name, values[i])
        if self.with_email:
            values.append(normalise_email(values[self._email_at]))
        values += (digest, run_id, source, ref, first_seen_at, changed_at, None)
        return tuple(values)


@cache
def codec_for(record_type: type[Record], table: sa.Table) -> TableCodec:
    return TableCodec(record_type, table)


def bind_value(table: sa.Table, column: str, dialect: sa.Dialect) -> Callable[[Any], Any]:
    """The dialect's conversion of one column's value (used once per batch for timestamps),
    down to what the driver takes (on SQLite the timestamp's text)."""
    processor = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return processor if processor is not None else (lambda value: value)
