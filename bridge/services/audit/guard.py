"""Whether the audit table is still append-only in the database itself (CONTRACTS 9).

Revision 0002 installs the guard: on SQLite two triggers refuse UPDATE and DELETE of
audit rows; on PostgreSQL a trigger refuses UPDATE and DELETE, another TRUNCATE, and a
runtime role other than the table's owner keeps only SELECT and INSERT. Someone owning
the database can drop or disable them without leaving a trace in the chain, so
``bridge audit verify``, ``bridge db status`` and ``bridge check`` ask the catalogue and
name what is gone. The owner itself can always drop the triggers; against the owner,
the anchor is the evidence.
"""

from __future__ import annotations

import sqlalchemy as sa

#: The SQLite triggers revision 0002 creates, and the statement each refuses.
SQLITE_TRIGGERS = {"audit_log_refuse_update": "UPDATE", "audit_log_refuse_delete": "DELETE"}
#: The PostgreSQL triggers revision 0002 creates, and the statements each refuses.
POSTGRESQL_TRIGGERS = {
    "audit_log_refuse_update_delete": "UPDATE and DELETE",
    "audit_log_refuse_truncate": "TRUNCATE",
}
REFUSING_FUNCTION = "audit_log_refuse_change"
#: Privileges a runtime role must not hold on the audit table.
REVOKED = ("UPDATE", "DELETE", "TRUNCATE")
#: The first revision with the guard: a register behind it has none to miss.
GUARDED_FROM = "0002"


def append_only_problems(connection: sa.Connection) -> tuple[str, ...]:
    """What of the guard is missing, one sentence each; empty when all is in place."""
    if connection.dialect.name == "sqlite":
        return _sqlite(connection)
    return _postgresql(connection)


def _sqlite(connection: sa.Connection) -> tuple[str, ...]:
    found = _pairs(
        connection,
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'",
    )
    problems = []
    for name, statement in SQLITE_TRIGGERS.items():
        text = " ".join((found.get(name) or "").upper().split())
        if not text:
            problems.append(f"trigger {name} is missing: {statement} of audit rows is allowed")
        elif f"BEFORE {statement} ON AUDIT_LOG" not in text or "RAISE(ABORT" not in text:
            problems.append(f"trigger {name} no longer refuses {statement} of audit rows")
    return tuple(problems)


def _postgresql(connection: sa.Connection) -> tuple[str, ...]:
    found = _pairs(
        connection,
        "SELECT tgname, tgenabled FROM pg_trigger "
        "WHERE tgrelid = to_regclass('audit_log') AND NOT tgisinternal",
    )
    problems = []
    for name, statements in POSTGRESQL_TRIGGERS.items():
        if name not in found:
            problems.append(f"trigger {name} is missing: {statements} of audit rows is allowed")
        elif found[name] == "D":
            problems.append(f"trigger {name} is disabled: {statements} of audit rows is allowed")
    body = connection.scalar(
        sa.text("SELECT prosrc FROM pg_proc WHERE proname = :name"), {"name": REFUSING_FUNCTION}
    )
    if found and "RAISE EXCEPTION" not in (body or "").upper():
        problems.append(f"function {REFUSING_FUNCTION}() no longer refuses anything")
    return (*problems, *_grants(connection))


def _pairs(connection: sa.Connection, query: str) -> dict[str, str]:
    """The catalogue's answer as {name: what it says about it}."""
    return {str(name): str(value) for name, value in connection.execute(sa.text(query)).all()}


def _grants(connection: sa.Connection) -> tuple[str, ...]:
    """A runtime role (not the table's owner) that may change audit rows."""
    user, owner = connection.execute(
        sa.text(
            "SELECT current_user, pg_get_userbyid(relowner) FROM pg_class "
            "WHERE oid = to_regclass('audit_log')"
        )
    ).one()
    if user == owner:
        return ()
    held = [
        privilege
        for privilege in REVOKED
        if connection.scalar(
            sa.text("SELECT has_table_privilege('audit_log', :privilege)"),
            {"privilege": privilege},
        )
    ]
    if not held:
        return ()
    return (
        f"role {user} may {', '.join(held)} audit rows: revision 0002 leaves it only SELECT "
        "and INSERT (docs/deploy.md, PostgreSQL with two roles)",
    )


def guard_expected(revision: str | None) -> bool:
    """True when a register at ``revision`` should have the guard."""
    return revision is not None and revision >= GUARDED_FROM
