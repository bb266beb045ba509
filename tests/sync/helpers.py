"""Shared helpers for sync tests against the Moodle simulator: a served site, a config that
points at it, and a comparable snapshot of the register's data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bridge.store.db import make_engine
from bridge.store.write_counter import DATA_TABLES
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.server import running_server
from tests.audit_guard import bypassing_audit_guard
from tests.configs import write_config

#: Columns that record when or by which run a row was written, not what it says.
VOLATILE = {
    "id",
    "run_id",
    "first_seen_at",
    "changed_at",
    "last_seen_at",
    "created_at",
    "updated_at",
    "person_id",
    "source_ref",
}


@contextmanager
def served(
    size: str = "tiny", seed: int = 1, faults: float = 0.0, **options: Any
) -> Iterator[tuple[SimulatedMoodle, str]]:
    sim = SimulatedMoodle(size, seed=seed, faults=faults, **options)
    with running_server(sim) as url:
        yield sim, url


def config_for(
    directory: Path, db_url: str, url: str, token: str, extra: str = "", connector_extra: str = ""
) -> Path:
    """A config with fast retries and a short lease, for tests that interrupt runs."""
    return write_config(
        directory,
        db_url,
        moodle_url=url,
        token=token,
        connector_extra='timeout = "5s"\n' + connector_extra,
        extra='[daemon]\nlease_ttl = "2s"\n' + extra,
    )


def snapshot(db_url: str) -> dict[str, set[tuple[Any, ...]]]:
    """Every data table's rows without ids and timestamps, for equality checks."""
    engine = make_engine(db_url)
    result: dict[str, set[tuple[Any, ...]]] = {}
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine, only=sorted(DATA_TABLES))
        with engine.connect() as connection:
            for name in sorted(DATA_TABLES):
                table = metadata.tables[name]
                columns = [c for c in table.columns if c.name not in VOLATILE]
                rows = connection.execute(sa.select(*columns))
                result[name] = {tuple(repr(v) for v in row) for row in rows}
    finally:
        engine.dispose()
    return result


def row_counts(db_url: str) -> dict[str, int]:
    return {name: len(rows) for name, rows in snapshot(db_url).items()}


def reset_register(db_url: str) -> None:
    """Empty every table (the schema stays), so one database can hold two runs in turn."""
    from bridge.store.models import Base

    engine = make_engine(db_url)
    try:
        with bypassing_audit_guard(engine) as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
    finally:
        engine.dispose()
