"""Schema migrations: upgrade the register, and refuse to run on a register that is behind.

Every command checks the register's revision before it opens a session. That check reads
the version table with plain SQL and compares it with :data:`HEAD`, so only
``bridge db upgrade`` and ``bridge init`` load alembic (about 0.2 s of every command's
start-up otherwise). ``tests/bridge/test_schema.py`` holds :data:`HEAD` equal to the
migration scripts' head: a new migration fails that test until ``HEAD`` names it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from bridge.errors import DatabaseNotReady

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")

#: The newest migration's revision: the schema this version of the bridge runs on.
HEAD = "0007"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    return HEAD


def current_revision(engine: sa.Engine) -> str | None:
    """The register's revision, ``None`` for a register never migrated."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return connection.scalar(sa.text("SELECT version_num FROM alembic_version"))


def upgrade(engine: sa.Engine) -> tuple[str | None, str]:
    """Bring the schema to the head revision; returns (before, after)."""
    from alembic import command

    before = current_revision(engine)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    return before, HEAD


def require_current(engine: sa.Engine) -> None:
    current = current_revision(engine)
    if current != HEAD:
        state = "empty" if current is None else f"at revision {current}"
        raise DatabaseNotReady(
            f"the register database is {state}, this version needs {HEAD}: run `bridge db upgrade`"
        )
