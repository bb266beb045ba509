"""A run's time budget: when it is spent the run stops at its next batch boundary, keeps
what it stored, names what it did not read, and the next run finishes the work."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from bridge.services.sync.engine import RunResult, SyncOptions, run_sync
from bridge.settings import Settings, load_settings
from bridge.store.models import LmsAccount, LmsCourse
from connectors.records import Batch, Bookmark
from tests.bridge.fake_connector import FakeConnector, ScriptedLms, course
from tests.configs import SENTINEL_TOKEN, write_config

pytestmark = pytest.mark.registry

HOUR = 3600.0


class SlowSite(FakeConnector):
    """A site whose users listing takes longer than the budget: the clock jumps when the
    listing starts, before its first batch."""

    def __init__(self, lms: ScriptedLms, clock: list[float], users_take: float) -> None:
        super().__init__(lms)
        self.clock, self.users_take = clock, users_take

    def pull(self, stream: str, bookmark: Bookmark | None) -> Iterator[Batch]:
        if stream == "users":
            self.clock[0] += self.users_take
        yield from super().pull(stream, bookmark)


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    streams = 'streams = ["users", "courses"]\nrun_budget = "1h"\n'
    return load_settings(write_config(tmp_path, db_url, connector_extra=streams))


def run(settings: Settings, sessions: sessionmaker[Session], users_take: float) -> RunResult:
    lms = ScriptedLms()
    for uid in (11, 12, 13):  # two batches of users
        lms.add_user(uid)
    lms.records["courses"] = [course(2)]
    clock = [1000.0]
    return run_sync(
        settings, sessions, "moodle", SecretStr(SENTINEL_TOKEN), SyncOptions(all_streams=True),
        connector_factory=lambda stop: SlowSite(lms, clock, users_take),
        clock=lambda: clock[0],
    )


def rows(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_a_spent_budget_stops_at_a_batch_boundary_and_names_what_was_not_read(
    settings, sessions
) -> None:
    stopped = run(settings, sessions, users_take=1.5 * HOUR)
    users = stopped.streams["users"]
    assert users.status == "failed" and "time budget (1h)" in (users.error or "")
    assert users.fetched == 2  # the first batch is stored; the run stopped before the second
    assert rows(sessions, LmsAccount) == 2
    assert "courses" not in stopped.streams and rows(sessions, LmsCourse) == 0
    assert any("courses not read this run" in w for w in stopped.warnings)
    assert stopped.status == "failed"  # nothing completed: exit 1, never a quiet ok

    finished = run(settings, sessions, users_take=0)
    assert finished.status == "ok" and not finished.warnings
    assert rows(sessions, LmsAccount) == 3 and rows(sessions, LmsCourse) == 1


def test_a_run_within_its_budget_is_untouched(settings, sessions) -> None:
    result = run(settings, sessions, users_take=0.5 * HOUR)
    assert result.status == "ok" and set(result.streams) == {"users", "courses"}
