"""The LMS token never leaves the transport: not in logs, errors, stored rows or CLI output."""

from __future__ import annotations

import sqlalchemy as sa

from bridge.store.db import make_engine
from bridge.store.models import Base
from tests.cli import run
from tests.configs import SENTINEL_TOKEN
from tests.sync.helpers import config_for, served


def _register_text(db_url: str) -> str:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return "\n".join(
                repr(tuple(row))
                for table in Base.metadata.sorted_tables
                for row in connection.execute(sa.select(table))
            )
    finally:
        engine.dispose()


def test_sentinel_token_is_nowhere_after_a_verbose_sync(tmp_path, db_url) -> None:
    with served("demo", token=SENTINEL_TOKEN) as (sim, url):
        config = config_for(tmp_path, db_url, url, SENTINEL_TOKEN)
        outputs = [
            run("-vv", "sync", "--full", config=config),
            run("-vv", "sync", "--all-streams", "--json", config=config),
            run("status", "--json", config=config),
            run("quarantine", "list", "--json", config=config),
            run("config", "show", config=config),
        ]
        sim.disable_webservices()
        outputs.append(run("-vv", "sync", "--all-streams", config=config))
    assert outputs[0].exit_code == 0 and outputs[-1].exit_code == 1
    for outcome in outputs:
        assert SENTINEL_TOKEN not in outcome.stdout + outcome.stderr
    assert "webservice" in outputs[0].stderr.lower() or outputs[0].stderr  # logs were written
    assert SENTINEL_TOKEN not in _register_text(db_url)


def test_wrong_token_fails_with_a_fix_and_no_traceback(tmp_path, db_url) -> None:
    with served("tiny") as (_sim, url):
        config = config_for(tmp_path, db_url, url, "0" * 32)
        outcome = run("sync", "--all-streams", config=config)
    assert outcome.exit_code == 1
    assert "Traceback" not in outcome.stderr
    assert "invalid" in outcome.stdout.lower() + outcome.stderr.lower()
