"""A held sync lease: `bridge sync`, which has --wait, names it; the daemon, which skips the
slot, and `db restore`, which cannot wait, do not suggest an option they lack."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import utcnow
from bridge.errors import LeaseHeld
from bridge.services.leases import held_lease
from bridge.store.models import SyncLease
from tests.cli import run
from tests.configs import write_config

pytestmark = pytest.mark.registry


@pytest.fixture
def held(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        session.add(SyncLease(name="sync:moodle", holder="daemon@elsewhere:1:abc",
                              expires_at=utcnow() + timedelta(minutes=5)))


@pytest.mark.usefixtures("held")
def test_sync_says_use_wait(tmp_path: Path, db_url: str) -> None:
    outcome = run("sync", config=write_config(tmp_path, db_url))
    assert outcome.exit_code == 3
    assert "sync:moodle is held by daemon@elsewhere:1:abc" in outcome.stderr
    assert "(use --wait to wait for it)" in outcome.stderr


@pytest.mark.usefixtures("held")
def test_the_lease_itself_names_no_option(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(LeaseHeld) as refused, held_lease(
        sessions, "sync:moodle", "system:daemon@here:2:x", timedelta(minutes=1)
    ):
        pass
    assert "--wait" not in str(refused.value)
