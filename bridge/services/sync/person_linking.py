"""How an LMS account becomes a person: linked by normalised e-mail, or a new person with
source ``lms_sync`` (N7)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.registry.models import LmsAccount, Person


def link_accounts(
    session: Session, connector: str, lms_user_ids: Sequence[int], now: datetime
) -> tuple[int, int]:
    """Link the given accounts that have no person yet; returns (persons created, linked)."""
    unlinked = session.execute(
        sa.select(
            LmsAccount.lms_user_id,
            LmsAccount.email_normalised,
            LmsAccount.first_name,
            LmsAccount.last_name,
            LmsAccount.email,
        ).where(
            LmsAccount.connector == connector,
            LmsAccount.lms_user_id.in_(lms_user_ids),
            LmsAccount.person_id.is_(None),
            LmsAccount.email_normalised.is_not(None),
        )
    ).all()
    if not unlinked:
        return 0, 0
    emails = {row.email_normalised for row in unlinked}
    person_of: dict[str, int] = {
        email: pid
        for email, pid in session.execute(
            sa.select(Person.email_normalised, Person.id).where(Person.email_normalised.in_(emails))
        )
    }
    new_persons = []
    pending: set[str] = set()
    for row in unlinked:
        if row.email_normalised in person_of or row.email_normalised in pending:
            continue
        pending.add(row.email_normalised)
        new_persons.append(
            {
                "first_name": row.first_name,
                "last_name": row.last_name,
                "email": row.email,
                "email_normalised": row.email_normalised,
                "legal_basis": "customer_relationship",
                "status": "active",
                "source": "lms_sync",
                "source_ref": f"{connector}:user/{row.lms_user_id}",
                "first_seen_at": now,
                "changed_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
    connection = session.connection()
    if new_persons:
        # Core executemany, then one read of the new ids (e-mails are unique among persons):
        # an ORM insert with RETURNING costs more than the rows themselves.
        connection.execute(sa.insert(Person.__table__), new_persons)
        created = connection.execute(
            sa.select(Person.email_normalised, Person.id).where(
                Person.email_normalised.in_(pending)
            )
        )
        person_of.update({email: pid for email, pid in created})
    links = [(row.lms_user_id, person_of[row.email_normalised]) for row in unlinked]
    _set_person_ids(connection, connector, links)
    return len(new_persons), len(links)


def _set_person_ids(
    connection: sa.Connection, connector: str, links: Sequence[tuple[int, int]]
) -> None:
    """One set-based UPDATE on PostgreSQL (two arrays); an executemany on SQLite."""
    table = LmsAccount.__table__
    if connection.dialect.name == "postgresql":
        uids, pids = zip(*links, strict=True)
        connection.exec_driver_sql(
            "UPDATE lms_accounts AS a SET person_id = v.pid "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS v(uid, pid) "
            "WHERE a.connector = %s AND a.lms_user_id = v.uid",
            (list(uids), list(pids), connector),
        )
        return
    connection.execute(
        sa.update(table)
        .where(table.c.connector == connector, table.c.lms_user_id == sa.bindparam("uid"))
        .values(person_id=sa.bindparam("pid")),
        [{"uid": uid, "pid": pid} for uid, pid in links],
    )
