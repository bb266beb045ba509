"""The audit trail is append-only and tamper-evident (CONTRACTS 9)."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from bridge.services.audit import Actor, record, verify_chain
from bridge.store.models import AuditEntry
from tests.audit_guard import bypassing_audit_guard
from tests.cli import run
from tests.configs import set_roles, write_config

DPO = Actor("dora.dpo", "dpo")


def test_chain_verifies_and_detects_tampering(engine, sessions) -> None:
    with sessions() as session, session.begin():
        for person in (1, 2, 3):
            record(session, DPO, "subject export", person_id=person, details={"format": "json"})
    with sessions() as session:
        assert verify_chain(session) == (3, None)
    with bypassing_audit_guard(engine) as connection:
        connection.execute(
            sa.update(AuditEntry).where(AuditEntry.seq == 2).values(details={"format": "html"})
        )
    with sessions() as session:
        checked, bad = verify_chain(session)
        assert checked == 1 and bad is not None


def test_deleted_row_breaks_the_chain(engine, sessions) -> None:
    with sessions() as session, session.begin():
        for person in (1, 2, 3):
            record(session, DPO, "person show", person_id=person)
    with bypassing_audit_guard(engine) as connection:
        connection.execute(sa.delete(AuditEntry).where(AuditEntry.person_id == 2))
    with sessions() as session:
        assert verify_chain(session)[1] is not None


def test_cli_audit_list_and_verify(tmp_path: Path, db_url: str, sessions) -> None:
    config = write_config(tmp_path, db_url)
    with sessions() as session, session.begin():
        record(session, DPO, "person show", person_id=7)
    listed = json.loads(run("audit", "list", "--person", "7", "--json", config=config).last_line)
    assert [e["action"] for e in listed["entries"]] == ["person show"]
    verified = run("audit", "verify", "--json", config=config)
    assert verified.exit_code == 0 and json.loads(verified.last_line)["ok"] is True
    set_roles(config, "operator")
    denied = run("audit", "list", config=config)
    assert denied.exit_code == 4
