"""How a register row appears in the access export: the named columns, LMS (Unix) times as
ISO-8601 UTC, and the row's provenance (N7). The gathering modules share it so that every
item of the export reads the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from bridge.store.base import Base, Provenance
from bridge.store.queries import provenance_of


def lms_time(value: int | None) -> str | None:
    """An LMS (Unix) timestamp as ISO-8601 UTC; 0 and None mean "not set"."""
    if not value:
        return None
    return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")


def item(row: Base, names: Iterable[str], **extra: Any) -> dict[str, Any]:
    """The named columns (LMS times ending in ``_at``/``_date``/``time_`` made readable)."""
    values: dict[str, Any] = {}
    for name in names:
        value = getattr(row, name)
        is_lms_time = (
            isinstance(value, int)
            and not isinstance(value, bool)
            and (name.startswith("time_") or name.endswith(("_date", "_access", "_at")))
        )
        values[name] = lms_time(value) if is_lms_time else value
    values.update(extra)
    if isinstance(row, Provenance):
        values["provenance"] = provenance_of(row)
    return values


def all_rows(session: Session, query: Any) -> list[Any]:
    return list(session.scalars(query))
