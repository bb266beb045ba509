"""Writing consents: evidence kept, history kept, never overwritten by an older row.

The register keeps one row per grant (the latest row of a person, purpose and channel is
the current state, as ``bridge consent`` keeps it): a withdrawal closes the current
grant in place and appends its note to the evidence; a new grant after a withdrawal, or a
grant with other evidence, is a new row. A row dated before the register's current
state changes nothing (counted as ``older``), so importing an old spreadsheet after a
newer one never brings back a withdrawn consent.

Withdrawing the service consent ends course access (N3): the person's status becomes
``withdrawn`` and the revocation is queued, as ``bridge consent withdraw`` does.
Restoring access after a new service grant is left to ``bridge consent grant``: the
import records the consent and says so in its notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.services.audit import journal
from bridge.services.intake.rows import ImportRow
from bridge.services.intake.writers import WriteContext, bulk_write, ids_by
from bridge.store.models import Consent, Person
from bridge.store.queries import among


@dataclass
class _Grant:
    """One consent row: already in the register (``id``) or to be inserted."""

    id: int | None
    status: str
    granted_at: datetime | None
    withdrawn_at: datetime | None
    evidence: str | None
    line: int = 0
    dirty: bool = False

    @property
    def since(self) -> datetime | None:
        return self.withdrawn_at if self.status == "withdrawn" else self.granted_at


@dataclass
class _History:
    rows: list[_Grant] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(g.dirty for g in self.rows)

    def apply(self, row: ImportRow) -> str:
        """Apply one file row (in date order); returns created, updated, unchanged or older."""
        status, at, evidence = row.get("status") or "granted", row.get("date"), row.get("evidence")
        current = self.rows[-1] if self.rows else None
        if current is not None:
            if current.since is not None and at < current.since:
                return "older"
            if status == current.status and (status == "withdrawn" or evidence == current.evidence):
                return "unchanged"
            if status == "withdrawn":
                note = evidence and f"Withdrawn: {evidence}"
                current.evidence = "\n".join(t for t in (current.evidence, note) if t) or None
                current.status, current.withdrawn_at = "withdrawn", at
                current.line, current.dirty = row.line, True
                return "updated"
        granted = status == "granted"
        self.rows.append(_Grant(None, status, at if granted else None,
                                None if granted else at, evidence, row.line, True))
        return "created" if current is None else "updated"


def _load(session: Session, person_ids: Sequence[int]) -> dict[tuple[Any, ...], _History]:
    table = Consent.__table__
    histories: dict[tuple[Any, ...], _History] = {}
    for c in session.execute(
        sa.select(table.c.id, table.c.person_id, table.c.purpose, table.c.channel,
                  table.c.status, table.c.granted_at, table.c.withdrawn_at, table.c.evidence)
        .where(among(session, table.c.person_id, person_ids)).order_by(table.c.id)
    ):
        history = histories.setdefault((c.person_id, c.purpose, c.channel), _History())
        history.rows[:] = [_Grant(c.id, c.status, c.granted_at, c.withdrawn_at, c.evidence)]
    return histories


def write_consents(session: Session, ctx: WriteContext, rows: Sequence[ImportRow]) -> None:
    persons = ids_by(session, Person.email_normalised, (r.key[0] for r in rows))
    histories = _load(session, list(persons.values()))
    for row in sorted(rows, key=lambda r: r.get("date")):
        key = (persons[row.key[0]], row.get("purpose"), row.get("channel"))
        outcome = histories.setdefault(key, _History()).apply(row)
        setattr(ctx.counts, outcome, getattr(ctx.counts, outcome) + 1)
    generations: list[list[dict[str, Any]]] = []  # the n-th new row of each consent
    updates = []
    for (person_id, purpose, channel), history in histories.items():
        new = [g for g in history.rows if g.id is None]
        for n, grant in enumerate(new):
            if len(generations) <= n:
                generations.append([])
            generations[n].append(_values(ctx, grant) | {
                "person_id": person_id, "purpose": purpose, "channel": channel,
                **ctx.provenance(grant.line, new=True)})
        updates += [_values(ctx, g) | {"id": g.id, **ctx.provenance(g.line, new=False)}
                    for g in history.rows if g.id is not None and g.dirty]
    for inserts in generations:  # in order, so the newest row of a consent has the top id
        bulk_write(session, Consent, inserts, [])
    bulk_write(session, Consent, [], updates)
    _service_consequences(session, ctx, histories)


def _values(ctx: WriteContext, grant: _Grant) -> dict[str, Any]:
    return {"status": grant.status, "granted_at": grant.granted_at,
            "withdrawn_at": grant.withdrawn_at, "evidence": grant.evidence,
            "recorded_by": ctx.operator}


def _service_consequences(
    session: Session, ctx: WriteContext, histories: dict[tuple[Any, ...], _History]
) -> None:
    changed = {
        person_id: history.rows[-1]
        for (person_id, purpose, _), history in histories.items()
        if purpose == "service" and history.changed
    }
    if not changed:
        return
    for person in session.scalars(sa.select(Person).where(Person.id.in_(list(changed)))):
        current = changed[person.id]
        if current.status == "withdrawn" and person.status == "active":
            journal.note(session, journal.WITHDRAWAL, person, purpose="service")
            person.status = "withdrawn"
            ctx.counts.access_revoked += 1
            if ctx.revoke is not None:
                ctx.revoke(session, person, f"service consent withdrawn: {ctx.ref(current.line)}")
        elif current.status == "granted" and person.status == "withdrawn":
            ctx.notes.append(
                f"{ctx.file}:{current.line}: person {person.id} granted the service consent "
                "again; run `bridge consent grant --purpose service` to restore course access")
    session.flush()
