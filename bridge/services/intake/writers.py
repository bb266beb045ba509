"""Writing a batch of valid rows: a few bulk statements per batch, never one per row.

Persons and organisations are compared by the hash of their imported fields, so a
re-import writes nothing, and a later edit in the register (``bridge person edit``) is not
undone by importing the same spreadsheet again. Relationships compare their dates and
reference. Consents have their own module (``consents.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.errors import OperationFailed
from bridge.services.intake.rows import ImportRow
from bridge.services.register.accounts import link_lms_accounts
from bridge.services.register.fields import (
    DEFAULT_LEGAL_BASIS,
    ORGANISATION_FIELDS,
    PERSON_FIELDS,
)
from bridge.services.register.relationships import pending_end
from bridge.store.dialect import insert_for
from bridge.store.models import (
    CustomerRelationship,
    Organisation,
    Person,
    PersonOrganisation,
)
from bridge.store.queries import among

#: Updatable relationship columns and the import fields they come from.
RELATIONSHIP_COLUMNS = {"end_date": "end", "reference": "reference"}


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Consent rows older than what the register (or a later row of the file) holds.
    older: int = 0
    organisations_created: int = 0
    linked_lms_accounts: int = 0
    #: Persons whose service consent the file withdrew: course access revocation queued.
    access_revoked: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class WriteContext:
    """Provenance of what one import run writes (N7)."""

    source: str
    run_id: str
    file: str
    operator: str
    now: datetime
    counts: Counts = field(default_factory=Counts)
    notes: list[str] = field(default_factory=list)
    #: Queues the revocation of a person's course access (N3); None leaves it out.
    revoke: Callable[[Session, Person, str], object] | None = None

    def ref(self, line: int) -> str:
        return f"{self.file[:200]}:{line} (import {self.run_id})"

    def provenance(self, line: int, *, new: bool) -> dict[str, Any]:
        values = {"source": self.source, "source_ref": self.ref(line), "changed_at": self.now}
        return values | {"first_seen_at": self.now} if new else values


def ids_by(session: Session, column: sa.ColumnElement[Any], keys: Iterable[Any]) -> dict[Any, int]:
    """Row ids by a unique key column, e.g. ``Person.email_normalised``."""
    wanted = sorted({k for k in keys if k is not None})
    if not wanted:
        return {}
    table = column.table  # type: ignore[attr-defined]
    query = sa.select(column, table.c.id).where(among(session, column, wanted))
    return dict(session.execute(query).all())


def _upsert_hashed(
    session: Session, ctx: WriteContext, model: type[Person] | type[Organisation],
    key_column: str, rows: Sequence[ImportRow], columns: Callable[[ImportRow], dict[str, Any]],
) -> tuple[dict[Any, int], list[ImportRow], list[ImportRow]]:
    """Insert new rows and update changed ones; returns (ids by key, created, updated)."""
    table = model.__table__
    existing = {
        key: (row_id, digest)
        for key, row_id, digest in session.execute(
            sa.select(table.c[key_column], table.c.id, table.c.content_hash)
            .where(among(session, table.c[key_column], [r.key[0] for r in rows]))
        )
    }
    ids = {key: row_id for key, (row_id, _) in existing.items()}
    inserts, updates, created, updated = [], [], [], []
    for row in rows:
        before = existing.get(row.key[0])
        if before is not None and before[1] == row.digest:
            ctx.counts.unchanged += 1
            continue
        values = columns(row) | {"content_hash": row.digest, "updated_at": ctx.now}
        values |= ctx.provenance(row.line, new=before is None)
        if before is None:
            inserts.append(values | {key_column: row.key[0], "created_at": ctx.now})
            created.append(row)
        else:
            updates.append(values | {"id": before[0]})
            updated.append(row)
    if inserts:
        statement = sa.insert(table).returning(table.c[key_column], table.c.id)
        ids.update(session.execute(statement, inserts).all())
    bulk_write(session, model, [], updates)
    ctx.counts.created += len(created)
    ctx.counts.updated += len(updated)
    return ids, created, updated


def _present(row: ImportRow, names: Sequence[str]) -> dict[str, Any]:
    return {name: row.values[name] for name in names if name in row.values}


def _employers(session: Session, ctx: WriteContext, rows: Sequence[ImportRow]) -> dict[str, int]:
    """Ids of the employers the rows name, creating those that are new and named."""
    ids = ids_by(session, Organisation.business_id, (r.get("business_id") for r in rows))
    new: dict[str, dict[str, Any]] = {}
    for row in rows:
        bid = row.get("business_id")
        if bid and bid not in ids and bid not in new and row.get("employer"):
            new[bid] = {"business_id": bid, "name": row.get("employer"), "created_at": ctx.now,
                        "updated_at": ctx.now, **ctx.provenance(row.line, new=True)}
    if new:
        table = Organisation.__table__
        statement = sa.insert(table).returning(table.c.business_id, table.c.id)
        ids.update(session.execute(statement, list(new.values())).all())
        ctx.counts.organisations_created += len(new)
    return ids


def write_persons(session: Session, ctx: WriteContext, rows: Sequence[ImportRow]) -> None:
    def columns(row: ImportRow) -> dict[str, Any]:
        values = _present(row, PERSON_FIELDS)
        if "legal_basis" in values:
            values["legal_basis"] = values["legal_basis"] or DEFAULT_LEGAL_BASIS
        return values

    employers = _employers(session, ctx, rows)
    ids, created, updated = _upsert_hashed(
        session, ctx, Person, "email_normalised", rows, columns)
    links = []
    for row in (*created, *updated):
        bid = row.get("business_id")
        if bid is None:
            continue
        if bid not in employers:
            raise OperationFailed(f"{ctx.file}:{row.line}: organisation {bid} vanished")
        links.append({"person_id": ids[row.key[0]], "organisation_id": employers[bid],
                      "title": row.get("title"), **ctx.provenance(row.line, new=True)})
    if links:
        statement = insert_for(session)(PersonOrganisation.__table__)
        keep = {"person_id", "organisation_id", "first_seen_at"}
        if "title" not in rows[0].values:
            keep.add("title")
        statement = statement.on_conflict_do_update(
            index_elements=["person_id", "organisation_id"],
            set_={k: statement.excluded[k] for k in links[0] if k not in keep},
        )
        session.execute(statement, links)
    ctx.counts.linked_lms_accounts += link_lms_accounts(session, [r.key[0] for r in created])


def write_organisations(session: Session, ctx: WriteContext, rows: Sequence[ImportRow]) -> None:
    _upsert_hashed(session, ctx, Organisation, "business_id", rows,
                   lambda row: _present(row, ORGANISATION_FIELDS))


def _subjects(session: Session, rows: Sequence[ImportRow]) -> tuple[dict[Any, int], dict[Any, int]]:
    persons = ids_by(session, Person.email_normalised, (r.key[0] for r in rows))
    organisations = ids_by(session, Organisation.business_id, (r.key[1] for r in rows))
    return persons, organisations


def write_relationships(session: Session, ctx: WriteContext, rows: Sequence[ImportRow]) -> None:
    persons, organisations = _subjects(session, rows)
    table = CustomerRelationship.__table__
    existing = {
        (r.person_id, r.organisation_id, r.kind, r.start_date): r
        for r in session.execute(
            sa.select(table.c.id, table.c.person_id, table.c.organisation_id, table.c.kind,
                      table.c.start_date, table.c.end_date, table.c.reference)
            .where(sa.or_(among(session, table.c.person_id, persons.values()),
                          among(session, table.c.organisation_id, organisations.values())))
        )
    }
    inserts, updates = [], []
    for row in rows:
        subject = (persons.get(row.key[0]), organisations.get(row.key[1]))
        values = {column: row.get(name) for column, name in RELATIONSHIP_COLUMNS.items()
                  if name in row.values}
        before = existing.get((*subject, row.get("kind"), row.get("start")))
        if before is not None and all(getattr(before, k) == val for k, val in values.items()):
            ctx.counts.unchanged += 1
        elif before is None:
            inserts.append({"person_id": subject[0], "organisation_id": subject[1],
                            "kind": row.get("kind"), "start_date": row.get("start"),
                            "end_date": row.get("end"), "reference": row.get("reference"),
                            "pending_end_on": pending_end(subject[1], row.get("end")),
                            **ctx.provenance(row.line, new=True)})
        else:
            if "end_date" in values:
                values["pending_end_on"] = pending_end(subject[1], values["end_date"])
            updates.append(values | {"id": before.id, **ctx.provenance(row.line, new=False)})
    bulk_write(session, CustomerRelationship, inserts, updates)
    ctx.counts.created += len(inserts)
    ctx.counts.updated += len(updates)


def bulk_write(session: Session, model: type[Any], inserts: list[dict[str, Any]],
               updates: list[dict[str, Any]]) -> None:
    """One executemany INSERT and one UPDATE by id (Core statements: the ORM's per-row
    bookkeeping costs more than the database here)."""
    table = model.__table__
    if inserts:
        session.execute(sa.insert(table), inserts)
    if updates:
        by_id = [{("row_id" if k == "id" else k): val for k, val in u.items()} for u in updates]
        session.execute(sa.update(table).where(table.c.id == sa.bindparam("row_id")), by_id)
