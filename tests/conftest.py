"""Shared fixtures. The register runs on a real SQLite file by default and on a real
PostgreSQL server when BRIDGE_TEST_DATABASE_URL is set: every registry test runs
unchanged on both through the `db_url` fixture."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bridge.services.audit.chain import default_register_secret
from bridge.services.secrets import ensure_register_secret
from bridge.store.db import make_engine, normalise_url, session_factory
from bridge.store.models import Base
from bridge.store.schema import upgrade
from tests.audit_guard import bypassing_audit_guard
from tests.smtp_sink import SinkServer, running_sink
from tests.untested import report_untested

TEST_DATABASE_URL = os.environ.get("BRIDGE_TEST_DATABASE_URL")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Iterator[None]:
    """The run ends by saying what went untested and how to install what it needs (after
    ``-rs``'s list of every skip, which pytest prints when the other summaries are done)."""
    try:
        return (yield)
    finally:
        report_untested(terminalreporter)


def pytest_report_header(config: pytest.Config) -> str:
    backend = make_url(TEST_DATABASE_URL).get_backend_name() if TEST_DATABASE_URL else "sqlite"
    return f"register database: {backend}"


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A register at the head revision, made once per session."""
    if TEST_DATABASE_URL:
        server = make_url(normalise_url(TEST_DATABASE_URL))
        name = f"bridge_test_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = server.set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "register.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()  # closing the last connection checkpoints the WAL into the file
        yield str(path)


@pytest.fixture
def db_url(_migrated_template: str, tmp_path: Path) -> str:
    """A migrated, empty register for one test."""
    if TEST_DATABASE_URL:
        engine = make_engine(_migrated_template)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with bypassing_audit_guard(engine) as connection:
            connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        engine.dispose()
        return _migrated_template
    path = tmp_path / "register.sqlite3"
    shutil.copyfile(_migrated_template, path)
    path.chmod(0o600)  # as `bridge db upgrade` creates it (a copy takes the umask's mode)
    return f"sqlite:///{path}"


@pytest.fixture(autouse=True)
def _no_controlling_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run in the test process find no terminal to ask on, even when pytest was
    started from one (a test that wants one gives its own)."""
    monkeypatch.setattr("bridge.cli.terminal.open_controlling_terminal", lambda: None)


@pytest.fixture(autouse=True)
def _register_secret(tmp_path: Path) -> Iterator[None]:
    """Audit rows written through test-made engines are signed with the secret that
    ``write_config(tmp_path, ...)`` configures, so the CLI verifies them."""
    secret = tmp_path / "register.secret"
    ensure_register_secret(secret)
    with default_register_secret(secret):
        yield


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: sa.Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def empty_db_url(tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all (for migration tests)."""
    if TEST_DATABASE_URL:
        server = make_url(normalise_url(TEST_DATABASE_URL))
        name = f"bridge_empty_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield server.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    else:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"


@pytest.fixture
def smtp_sink() -> Iterator[SinkServer]:
    """A local SMTP server that keeps every message it is given (``.messages``)."""
    with running_sink() as server:
        yield server
