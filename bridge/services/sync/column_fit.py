"""Records whose values the register's columns cannot hold, found before the database sees them.

Moodle can send what our columns refuse: a name longer than its column, a NUL
byte (PostgreSQL text refuses it), a number past a 32- or 64-bit integer column.
PostgreSQL would fail the whole batch with a traceback that prints the row, and
SQLite would store it silently, so the two databases would disagree. Each such
record is set aside here with the reason, the same on both databases, and the
rest of the batch is stored.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from functools import cache
from operator import attrgetter
from typing import Any

import sqlalchemy as sa

from bridge.registry.people import normalise_email
from bridge.services.sync.record_store import TABLE_OF
from bridge.services.sync.row_codec import row_values
from connectors.records import Record, Reject, UserRecord

_INT32 = 2**31
_INT64 = 2**63


def misfit(record: Record) -> str | None:
    """Why ``record`` cannot be stored as it is, or ``None`` when it fits."""
    table = TABLE_OF[type(record)].__table__
    for name, value in row_values(record).items():
        column = table.c.get(name)
        if column is None or value is None:
            continue
        problem = _problem(column.type, value)
        if problem:
            return f"{name}: {problem}"
    return None


def _problem(kind: sa.types.TypeEngine[Any], value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and isinstance(kind, sa.Integer):
        limit = _INT64 if isinstance(kind, sa.BigInteger) else _INT32
        if not -limit <= value < limit:
            return f"number {value} is out of range for the register"
        return None
    if isinstance(value, str) and isinstance(kind, sa.String):
        length = getattr(kind, "length", None)
        if length is not None and len(value) > length:
            return f"{len(value)} characters, at most {length} fit"
        return "contains a NUL character" if "\x00" in value else None
    if isinstance(kind, sa.JSON) and _has_nul(value):
        return "contains a NUL character"
    return None


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    if dataclasses.is_dataclass(value):  # e.g. a submitted file, before it becomes JSON
        return any(_has_nul(getattr(value, f.name)) for f in dataclasses.fields(value))
    return False


class _FitCheck:
    """A quick yes for a record type's records that fit (nearly all of them): the columns
    that can refuse a value, read with one attribute getter. A record it does not pass
    gets :func:`misfit`'s full, ordered look, which names the first field at fault."""

    def __init__(self, record_type: type[Record]) -> None:
        table = TABLE_OF[record_type].__table__
        names = [f.name for f in dataclasses.fields(record_type)]
        self.read = attrgetter(*names)
        self.texts: list[tuple[int, float]] = []
        self.numbers: list[tuple[int, int]] = []
        self.documents: list[int] = []
        for i, name in enumerate(names):
            kind = table.c[name].type if name in table.c else None
            if isinstance(kind, sa.String):
                self.texts.append((i, getattr(kind, "length", None) or math.inf))
            elif isinstance(kind, sa.Integer):
                self.numbers.append((i, _INT64 if isinstance(kind, sa.BigInteger) else _INT32))
            elif isinstance(kind, sa.JSON):
                self.documents.append(i)
        # a derived column: the normalised e-mail can outgrow the e-mail (case folding)
        self.email_at, self.email_length = -1, math.inf
        if record_type is UserRecord:
            self.email_at = names.index("email")
            self.email_length = table.c["email_normalised"].type.length or math.inf

    def fits(self, record: Record) -> bool:
        values = self.read(record)
        for i, length in self.texts:
            value = values[i]
            if isinstance(value, str) and (len(value) > length or "\x00" in value):
                return False
        for i, limit in self.numbers:
            value = values[i]
            if isinstance(value, int) and not -limit <= value < limit:
                return False
        if any(_has_nul(values[i]) for i in self.documents):
            return False
        if self.email_at < 0 or values[self.email_at] is None:
            return True
        return len(normalise_email(values[self.email_at]) or "") <= self.email_length


@cache
def _fit_check(record_type: type[Record]) -> _FitCheck:
    return _FitCheck(record_type)


def split_misfits(
    stream: str, records: Sequence[Record]
) -> tuple[list[Record], list[Reject]]:
    """``records`` that fit, and a reject (with the reason) for each one that does not."""
    fit: list[Record] = []
    rejects: list[Reject] = []
    for record in records:
        if _fit_check(type(record)).fits(record):
            fit.append(record)
            continue
        reason = misfit(record)
        if reason is None:
            fit.append(record)
            continue
        key = "/".join(map(str, record.key))
        payload = {k: _clipped(v) for k, v in row_values(record).items()}
        rejects.append(Reject(stream, reason, payload, key[:100]))
    return fit, rejects


def _clipped(value: Any) -> Any:
    """A value for the quarantine: NUL shown as text, very long text cut with a note."""
    if not isinstance(value, str):
        return value
    value = value.replace("\x00", "\\x00")
    return value if len(value) <= 1000 else f"{value[:1000]}… ({len(value)} characters)"
