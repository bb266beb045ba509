"""A dropped or disabled append-only trigger, and on PostgreSQL a runtime role given back
UPDATE, DELETE or TRUNCATE on the audit table, are named by `bridge audit verify`,
`bridge db status` and `bridge check` (CONTRACTS 9)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bridge.services.audit.guard import append_only_problems
from bridge.store.db import make_engine
from bridge.store.schema import upgrade
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.server import running_server
from tests.bridge.test_audit_chain import _append
from tests.cli import run
from tests.configs import write_config

pytestmark = pytest.mark.registry

SQLITE_DROP = "DROP TRIGGER audit_log_refuse_delete"
POSTGRESQL_DROP = "DROP TRIGGER audit_log_refuse_update_delete ON audit_log"


@pytest.fixture
def sim() -> SimulatedMoodle:
    return SimulatedMoodle("tiny", seed=1)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, db_url: str) -> str:
    """A register of this test alone, so the triggers it drops are nobody else's (on
    PostgreSQL every test empties and reuses one database)."""
    if make_url(db_url).get_backend_name() != "postgresql":
        return db_url
    url: str = request.getfixturevalue("empty_db_url")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def config(tmp_path: Path, db_url: str, sim: SimulatedMoodle) -> Iterator[Path]:
    with running_server(sim) as url:
        yield write_config(tmp_path, db_url, moodle_url=url, token=sim.token)


def drop_a_trigger(engine: sa.Engine) -> str:
    """Drop the trigger that refuses DELETE; returns its name."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as connection:
        connection.exec_driver_sql(SQLITE_DROP if sqlite else POSTGRESQL_DROP)
    return "audit_log_refuse_delete" if sqlite else "audit_log_refuse_update_delete"


def guard_line(config: Path) -> dict:
    outcome = run("check", "--json", config=config)
    [found] = [c for c in json.loads(outcome.last_line)["checks"]
               if c["name"] == "audit log append-only"]
    return {**found, "exit_code": outcome.exit_code}


def test_an_untouched_register_is_append_only_everywhere(config: Path, sessions) -> None:
    _append(sessions, 2)
    assert json.loads(run("audit", "verify", "--json", config=config).last_line)["unguarded"] == []
    status = run("db", "status", "--json", config=config)
    assert status.exit_code == 0 and json.loads(status.last_line)["append_only"] is True
    found = guard_line(config)
    assert (found["ok"], found["exit_code"]) == (True, 0)


def test_a_dropped_trigger_is_named_by_verify_status_and_check(
    config: Path, engine, sessions
) -> None:
    _append(sessions, 2)
    name = drop_a_trigger(engine)
    verified = run("audit", "verify", "--json", config=config)
    report = json.loads(verified.last_line)
    assert verified.exit_code == 1 and report["ok"] is False and report["kind"] is None
    assert [f"trigger {name} is missing" in gone for gone in report["unguarded"]] == [True]
    text = " ".join(run("audit", "verify", config=config).stderr.split())
    assert f"the audit table is not append-only: trigger {name} is missing" in text

    status = run("db", "status", "--json", config=config)
    assert status.exit_code == 1
    assert json.loads(status.last_line)["append_only"] is False
    assert f"trigger {name} is missing" in " ".join(status.stderr.split())

    found = guard_line(config)
    assert (found["ok"], found["exit_code"]) == (False, 1)
    assert f"trigger {name} is missing" in found["detail"] and "revision 0002" in found["fix"]


def test_a_disabled_postgresql_trigger_is_named(config: Path, engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite triggers cannot be disabled, only dropped")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_refuse_truncate"
        )
    status = run("db", "status", config=config)
    assert status.exit_code == 1
    assert "trigger audit_log_refuse_truncate is disabled" in " ".join(status.stderr.split())


@pytest.fixture
def roles(empty_db_url: str) -> Iterator[tuple[sa.Engine, sa.Engine, str]]:
    """The register migrated by its owner: (owner's engine, an engine of a runtime role
    restricted the way revision 0002 restricts it, that role's name)."""
    if make_url(empty_db_url).get_backend_name() != "postgresql":
        pytest.skip("database roles are PostgreSQL's")
    role = f"bridge_runtime_{uuid.uuid4().hex[:8]}"
    owner = make_engine(empty_db_url)
    upgrade(owner)
    with owner.begin() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        connection.exec_driver_sql(f'GRANT SELECT, INSERT ON audit_log TO "{role}"')
    runtime = make_engine(make_url(empty_db_url).set(username=role).render_as_string())
    yield owner, runtime, role
    runtime.dispose()
    with owner.begin() as connection:
        connection.exec_driver_sql(f'DROP OWNED BY "{role}"')
        connection.exec_driver_sql(f'DROP ROLE "{role}"')
    owner.dispose()


def test_a_runtime_role_given_back_update_is_named(roles) -> None:
    owner, runtime, role = roles
    with runtime.connect() as connection:
        assert append_only_problems(connection) == ()
    with owner.begin() as connection:
        connection.exec_driver_sql(f'GRANT UPDATE, TRUNCATE ON audit_log TO "{role}"')
    with runtime.connect() as connection:
        [problem] = append_only_problems(connection)
    assert problem.startswith(f"role {role} may UPDATE, TRUNCATE audit rows")
