"""A malformed answer as a whole (nested too deep) fails its stream with
one line and the run ends failed, never interrupted by a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from bridge.services.sync.engine import RunResult, SyncOptions, run_sync
from bridge.settings import load_settings
from tests.configs import SENTINEL_TOKEN, write_config
from tests.fuzz.site import USERS, base_answers, connector, site

pytestmark = pytest.mark.registry


def sync_users(
    tmp_path: Path, db_url: str, sessions: sessionmaker[Session], answer: bytes
) -> RunResult:
    """A sync of the users stream with ``answer`` as every user-details answer."""
    config = write_config(tmp_path, db_url, connector_extra='streams = ["users"]\n')
    settings = load_settings(config)
    with site({**base_answers(), USERS: answer}):
        return run_sync(
            settings, sessions, "moodle", SecretStr(SENTINEL_TOKEN),
            SyncOptions(all_streams=True, full=True),
            connector_factory=lambda stop: connector(),
        )


def test_a_deeply_nested_answer_fails_the_stream_and_the_run_is_not_interrupted(
    tmp_path: Path, db_url: str, sessions: sessionmaker[Session]
) -> None:
    result = sync_users(tmp_path, db_url, sessions, b"[" * 100_000 + b"]" * 100_000)
    assert result.status == "failed"
    users = result.streams["users"]
    assert users.status == "failed" and "nested too deep" in users.error
    assert USERS in users.error and "200,000-byte" in users.error
