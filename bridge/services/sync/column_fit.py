"""Records whose values the register's columns cannot hold, found before the database sees them.

Moodle can send what our columns refuse: a name longer than its column, a NUL
byte (PostgreSQL text refuses it), a number past a 32- or 64-bit integer column.
PostgreSQL would fail the whole batch with a traceback that prints the row, and
SQLite would store it silently, so the two databases would disagree. Each such
record is set aside here with the reason, the same on both databases, and the
rest of the batch is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from bridge.services.sync.record_store import TABLE_OF
from bridge.services.sync.row_codec import row_values
from connectors.records import Record, Reject

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
    return False


def split_misfits(
    stream: str, records: Sequence[Record]
) -> tuple[list[Record], list[Reject]]:
    """``records`` that fit, and a reject (with the reason) for each one that does not."""
    fit: list[Record] = []
    rejects: list[Reject] = []
    for record in records:
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
