"""A command's role check, transaction and audit rows are one unit of work (CONTRACTS 9)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bridge.errors import NotPermitted
from bridge.services.audit import Actor, record
from bridge.services.unit_of_work import unit_of_work
from bridge.store.models import AuditEntry

DPO = Actor("dora.dpo", "dpo")
VIEWER = Actor("vera.viewer", "viewer")


def _audit_rows(sessions) -> list[tuple[str, str, str]]:
    with sessions() as session:
        rows = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))
        return [(row.operator, row.action, row.outcome) for row in rows]


def test_the_audit_row_commits_with_the_work(sessions) -> None:
    with unit_of_work(sessions, DPO, "holds", "hold list") as work:
        record(work.session, work.actor, "hold list", details={"count": 0})
    assert _audit_rows(sessions) == [("dora.dpo", "hold list", "ok")]


def test_an_error_rolls_back_the_work_and_its_audit_row(sessions) -> None:
    with pytest.raises(RuntimeError), unit_of_work(sessions, DPO, "holds", "hold list") as work:
        record(work.session, work.actor, "hold list", details={"count": 0})
        raise RuntimeError("the command failed half-way")
    assert _audit_rows(sessions) == []


def test_a_refused_role_is_audited_and_the_work_never_starts(sessions) -> None:
    started = []
    with pytest.raises(NotPermitted), unit_of_work(sessions, VIEWER, "holds", "hold list"):
        started.append(True)
    assert started == []
    assert _audit_rows(sessions) == [("vera.viewer", "hold list", "denied")]
