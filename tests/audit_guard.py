"""Going around the audit table's triggers, the way someone with owner access to the
database (or the SQLite file) would: tests use it to tamper, and to empty a register."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def bypassing_audit_guard(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A transaction in which UPDATE and DELETE of audit rows are not refused.

    SQLite: the triggers are dropped and created again from their own text before the
    transaction ends. PostgreSQL: the table owner disables them for the transaction.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            triggers = connection.execute(
                sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                        "AND tbl_name = 'audit_log'")
            ).all()
            for name, _sql in triggers:
                connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
            yield connection
            for _name, sql in triggers:
                connection.exec_driver_sql(sql)
        else:
            connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
            yield connection
            connection.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER USER")
