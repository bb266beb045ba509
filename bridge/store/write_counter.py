"""Counts rows written to the register's data tables (CONTRACTS 1), for tests and benchmarks.

Bookkeeping tables (runs, bookmarks, leases, quarantine, heartbeat, scratch keys) are
not data tables and are not counted.
"""

from __future__ import annotations

import re
from typing import Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa

from bridge.store.lms import LMS_TABLES
from bridge.store.people import (
    Consent,
    CustomerRelationship,
    MarketingProhibition,
    Organisation,
    Person,
    PersonOrganisation,
)

DATA_TABLES = frozenset(
    model.__tablename__
    for model in (
        *LMS_TABLES,
        Person,
        Organisation,
        PersonOrganisation,
        CustomerRelationship,
        Consent,
        MarketingProhibition,
    )
)
_WRITE = re.compile(r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?", re.IGNORECASE)


#: The counters attached to each engine, for writes that bypass the cursor events.
_attached: WeakKeyDictionary[sa.Engine, list[WriteCounter]] = WeakKeyDictionary()


def note_copied(connection: sa.Connection, table: str, rows: int) -> None:
    """Count rows a ``COPY`` wrote: COPY runs on the driver's own cursor, which
    SQLAlchemy's events do not see."""
    for counter in _attached.get(connection.engine, ()):
        counter.add(f"COPY {table}", table, rows)


class WriteCounter:
    """Attach to an engine; ``rows`` is the number of data-table rows written since."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.rows = 0
        self.statements: list[str] = []
        sa.event.listen(engine, "after_cursor_execute", self._after)
        _attached.setdefault(engine, []).append(self)

    def add(self, statement: str, table: str, rows: int) -> None:
        if table in DATA_TABLES:
            self.rows += rows
            if rows:
                self.statements.append(statement.split("\n", 1)[0][:120])

    def _after(
        self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool
    ) -> None:
        match = _WRITE.match(statement)
        if match:
            # -1 means the driver does not know (e.g. INSERT … RETURNING): count it as one.
            self.add(statement, match.group(2), cursor.rowcount if cursor.rowcount >= 0 else 1)

    def close(self) -> None:
        sa.event.remove(self.engine, "after_cursor_execute", self._after)
        _attached[self.engine].remove(self)
