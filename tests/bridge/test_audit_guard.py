"""What guards the audit chain besides its MACs: triggers refusing UPDATE and DELETE, the
anchor file (0600, moved only by a commit), the legacy rows of an upgraded register, and
on PostgreSQL a runtime role that may only read and append (CONTRACTS 9)."""

from __future__ import annotations

import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url

from bridge.clock import utcnow
from bridge.services.audit import Actor, record, verify_chain
from bridge.services.audit.anchor import anchor_path, read_anchor
from bridge.services.audit.chain import GENESIS, legacy_content, legacy_digest
from bridge.store.db import make_engine, session_factory
from bridge.store.models import AuditEntry
from bridge.store.schema import alembic_config, upgrade

pytestmark = pytest.mark.registry

DPO = Actor("dora.dpo", "dpo")
RUNTIME_ROLE_VARIABLE = "BRIDGE_DB_RUNTIME_ROLE"


def _record_one(sessions) -> None:
    with sessions() as session, session.begin():
        record(session, DPO, "person show", person_id=1)


@pytest.mark.parametrize(
    "statement",
    [
        sa.update(AuditEntry).values(person_id=2),
        sa.delete(AuditEntry),
    ],
    ids=["update", "delete"],
)
def test_triggers_refuse_changing_audit_rows(sessions, statement) -> None:
    _record_one(sessions)
    with (
        pytest.raises(sa.exc.DatabaseError, match="append-only"),
        sessions() as session,
        session.begin(),
    ):
        session.execute(statement)
    with sessions() as session:
        assert verify_chain(session) == (1, None)


def test_truncate_is_refused_on_postgresql(engine, sessions) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    _record_one(sessions)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as connection:
        connection.exec_driver_sql("TRUNCATE audit_log")


def test_anchor_is_0600_and_moves_only_on_commit(tmp_path: Path, sessions) -> None:
    anchor_file = anchor_path(tmp_path / "register.secret")
    _record_one(sessions)
    assert stat.S_IMODE(anchor_file.stat().st_mode) == 0o600
    assert read_anchor(anchor_file).seq == 1  # type: ignore[union-attr]
    with sessions() as session, session.begin():
        record(session, DPO, "person show", person_id=2)
        record(session, DPO, "person show", person_id=3)
        assert read_anchor(anchor_file).seq == 1  # type: ignore[union-attr]
    assert read_anchor(anchor_file).seq == 3  # type: ignore[union-attr]
    with sessions() as session:
        session.begin()
        record(session, DPO, "person show", person_id=4)
        session.rollback()
    assert read_anchor(anchor_file).seq == 3  # type: ignore[union-attr]
    _record_one(sessions)  # the rolled-back row left no gap and no stale head
    with sessions() as session:
        assert verify_chain(session) == (4, None)
    assert read_anchor(anchor_file).seq == 4  # type: ignore[union-attr]


def _legacy_rows(count: int) -> list[dict[str, object]]:
    """Rows as the unkeyed chain before revision 0002 wrote them."""
    rows, link = [], GENESIS
    for number in range(1, count + 1):
        entry = AuditEntry(at=utcnow(), operator="dora.dpo", role="dpo", action="person show",
                           outcome="ok", person_id=number, request_id=None, details=None)
        digest = legacy_digest(link, entry)
        rows.append({**legacy_content(entry), "at": entry.at, "prev_hash": link,
                     "row_hash": digest})
        link = digest
    return rows


def test_upgrade_keeps_existing_rows_as_a_verified_legacy_prefix(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.execute(sa.table("audit_log", *(sa.column(c) for c in (
            "at", "operator", "role", "action", "outcome", "person_id", "request_id",
            "details", "prev_hash", "row_hash"))).insert(), _legacy_rows(3))
    upgrade(engine)
    sessions = session_factory(engine)
    _record_one(sessions)
    with sessions() as session:
        seqs = session.execute(sa.select(AuditEntry.seq, AuditEntry.mac)).all()
        assert sorted(seq for seq, _ in seqs) == [1, 2, 3, 4]
        assert [seq for seq, mac in seqs if mac is None] == [1, 2, 3]
        assert verify_chain(session) == (4, None)
    engine.dispose()


@pytest.fixture
def runtime_role(empty_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A login role the bridge would run as, named to the migration as the runtime role."""
    if make_url(empty_db_url).get_backend_name() != "postgresql":
        pytest.skip("database roles are PostgreSQL's")
    name = f"bridge_runtime_{uuid.uuid4().hex[:8]}"
    admin = make_engine(empty_db_url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN')
    monkeypatch.setenv(RUNTIME_ROLE_VARIABLE, name)
    yield name
    with admin.begin() as connection:
        connection.exec_driver_sql(f'DROP OWNED BY "{name}"')
        connection.exec_driver_sql(f'DROP ROLE "{name}"')
    admin.dispose()


def test_runtime_role_may_only_read_and_append(empty_db_url: str, runtime_role: str) -> None:
    owner = make_engine(empty_db_url)
    upgrade(owner)
    with owner.begin() as connection:  # what deploy.md grants on the other tables
        connection.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{runtime_role}"')
    owner.dispose()
    runtime = make_engine(make_url(empty_db_url).set(username=runtime_role).render_as_string())
    with runtime.begin() as connection:
        connection.execute(sa.insert(AuditEntry), [{
            "at": utcnow(), "operator": "x", "role": "viewer", "action": "probe",
            "outcome": "ok", "seq": 1, "mac": "0" * 64,
        }])
        assert connection.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1
    for statement in ("UPDATE audit_log SET outcome = 'x'", "DELETE FROM audit_log",
                      "TRUNCATE audit_log", "ALTER TABLE audit_log DISABLE TRIGGER USER"):
        with (
            pytest.raises(sa.exc.ProgrammingError, match=r"permission denied|must be owner"),
            runtime.begin() as connection,
        ):
            connection.exec_driver_sql(statement)
    runtime.dispose()
