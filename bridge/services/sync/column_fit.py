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
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import sqlalchemy as sa

from bridge.services.sync.row_codec import BOOKKEEPING, row_values
from bridge.services.sync.tables import TABLE_OF
from connectors.records import Record, Reject

_INT32 = 2**31
_INT64 = 2**63

#: Row columns whose values the bridge sets itself.
NOT_CONTENT = frozenset({"connector", *BOOKKEEPING})


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


class RowFit:
    """Where to look for a quick yes for the rows that fit (nearly all of them); :meth:`check`
    makes the check. It looks at the row as it goes to the database: text within its
    column's length and free of NUL, integers within their column's range, and JSON
    documents free of an escaped NUL (``\\u0000``, which a backslash written as text can
    also show, so a no here is only a doubt). A row it does not pass gets :func:`misfit`'s
    full, ordered look at the record, which names the first field at fault or clears the
    doubt."""

    def __init__(self, table: sa.Table, columns: Sequence[str]) -> None:
        self.texts: list[tuple[int, float]] = []
        self.numbers: list[tuple[int, int]] = []
        self.documents: list[int] = []
        for i, name in enumerate(columns):
            if name in NOT_CONTENT or name not in table.c:
                continue
            kind = table.c[name].type
            if isinstance(kind, sa.String):
                self.texts.append((i, getattr(kind, "length", None) or math.inf))
            elif isinstance(kind, sa.Integer):
                self.numbers.append((i, _INT64 if isinstance(kind, sa.BigInteger) else _INT32))
            elif isinstance(kind, sa.JSON):
                self.documents.append(i)

    def check(self) -> Callable[[Sequence[Any]], bool]:
        """The check as one function with the positions and limits written into its code
        (it runs once per written row: no loop, no tuple to unpack per column)."""
        lines = ["def fits(row):"]
        for i, length in self.texts:
            too_long = "" if length == math.inf else f"len(value) > {int(length)} or "
            lines += [f"    value = row[{i}]",
                      f"    if value.__class__ is str and ({too_long}'\\x00' in value):",
                      "        return False"]
        for i, limit in self.numbers:
            lines += [f"    value = row[{i}]",
                      f"    if value.__class__ is int and not {-limit} <= value < {limit}:",
                      "        return False"]
        for i in self.documents:
            lines += [f"    value = row[{i}]",
                      "    if value.__class__ is str and '\\\\u0000' in value:",
                      "        return False"]
        lines.append("    return True")
        namespace: dict[str, Any] = {}
        exec("\n".join(lines), namespace)  # only positions and numbers go into the text
        fits: Callable[[Sequence[Any]], bool] = namespace["fits"]
        return fits


@cache
def row_fit(table: sa.Table, columns: tuple[str, ...]) -> Callable[[Sequence[Any]], bool]:
    return RowFit(table, columns).check()


def misfit_reject(stream: str, record: Record) -> Reject | None:
    """The quarantine entry for a record the register cannot hold, with the reason, or
    ``None`` when it fits after all."""
    reason = misfit(record)
    if reason is None:
        return None
    key = "/".join(map(str, record.key))
    payload = {k: _clipped(v) for k, v in row_values(record).items()}
    return Reject(stream, reason, payload, key[:100])


def _clipped(value: Any) -> Any:
    """A value for the quarantine: NUL shown as text, very long text cut with a note."""
    if not isinstance(value, str):
        return value
    value = value.replace("\x00", "\\x00")
    return value if len(value) <= 1000 else f"{value[:1000]}… ({len(value)} characters)"
