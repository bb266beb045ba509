"""The register schema: migrations create it on SQLite and PostgreSQL, agree with the models,
and the bridge refuses to work on a register that is behind."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bridge.errors import DatabaseNotReady
from bridge.store.db import make_engine
from bridge.store.models import Base
from bridge.store.schema import (
    alembic_config,
    current_revision,
    head_revision,
    require_current,
    upgrade,
)
from tests.cli import run
from tests.configs import write_config


def _table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def _columns(engine: sa.Engine) -> dict[str, list[tuple[str, str, bool]]]:
    inspector = sa.inspect(engine)
    return {
        table: [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)]
        for table in Base.metadata.tables
    }


def test_upgrade_creates_every_table_and_is_idempotent(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    assert current_revision(engine) is None
    before, after = upgrade(engine)
    assert (before, after) == (None, head_revision())
    assert set(Base.metadata.tables) <= _table_names(engine)
    snapshot = _columns(engine)
    assert upgrade(engine) == (head_revision(), head_revision())
    assert _columns(engine) == snapshot
    engine.dispose()


def test_models_and_migrations_agree(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_head_names_the_newest_migration_and_matches_what_alembic_stores(
    engine: sa.Engine,
) -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert head_revision() == scripts.get_current_head()
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()
    assert current_revision(engine) == head_revision()


def test_register_behind_is_refused_with_the_fix(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    with pytest.raises(DatabaseNotReady, match="bridge db upgrade"):
        require_current(engine)
    engine.dispose()


def test_cli_db_upgrade_twice_and_secret_file(empty_db_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, empty_db_url)
    secret = tmp_path / "register.secret"
    secret.unlink()
    first = run("db", "upgrade", config=config)
    assert first.exit_code == 0, first.stderr
    assert "upgraded" in first.stdout and "register secret created" in first.stdout
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    content = secret.read_bytes()
    second = run("db", "upgrade", config=config)
    assert second.exit_code == 0 and "up to date" in second.stdout
    assert secret.read_bytes() == content
    status = run("db", "status", "--json", config=config)
    assert '"up_to_date": true' in status.last_line


def test_0003_makes_employer_ends_ahead_pending_and_leaves_history(empty_db_url: str) -> None:
    from alembic import command

    engine = make_engine(empty_db_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0002")
        connection.execute(sa.text(
            "INSERT INTO organisations (id, business_id, name, source, first_seen_at, created_at, "
            "updated_at) "
            "VALUES (1, '0104505-9', 'Oy', 'admin', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP)"))
        for rel_id, end in ((1, "2999-01-31"), (2, "2001-01-31"), (3, None)):
            connection.execute(sa.text(
                "INSERT INTO customer_relationships (id, organisation_id, kind, start_date, "
                "end_date, source, first_seen_at) VALUES (:id, 1, 'contract', '2000-01-01', "
                ":end, 'admin', CURRENT_TIMESTAMP)"), {"id": rel_id, "end": end})
    upgrade(engine)
    with engine.connect() as connection:
        pending = dict(connection.execute(sa.text(
            "SELECT id, pending_end_on FROM customer_relationships ORDER BY id")).all())
    engine.dispose()
    assert {k: str(v) if v else None for k, v in pending.items()} == {
        1: "2999-01-31", 2: None, 3: None}
