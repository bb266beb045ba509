"""A sync killed mid-run does not block the next one: its lease names a process of this
host that is gone, so the next sync takes the lease over at once (no exit 3, no wait for
``lease_ttl``), marks the dead run ``interrupted`` and audits what it had written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.store.models import AuditEntry, SyncLease, SyncRun
from tests.pushback.helpers import OPERATOR, REPO, kill, served_site, wait_until

pytestmark = [pytest.mark.registry, pytest.mark.slow]


def test_a_killed_sync_is_followed_at_once_by_a_successful_one(tmp_path: Path, db_url: str) -> None:
    release = threading.Event()

    def hold_the_courses_call(function: str) -> bool:
        """The simulator stalls the first courses call: the users stream is written by then."""
        if function != "core_course_get_courses_by_field":
            return False
        release.wait(30)
        return True

    with served_site(tmp_path, db_url, size="tiny") as site:
        assert site.settings.daemon.lease_ttl.total_seconds() >= 60  # a wait would show
        site.sim.app.after_call.append(hold_the_courses_call)
        code = "from bridge.cli.main import main; main()"
        process = subprocess.Popen(
            [sys.executable, "-c", code, "--config", str(site.config), "sync", "--all-streams"],
            cwd=REPO,
            env={**os.environ, "BRIDGE_OPERATOR": OPERATOR},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

        def dead_run_wrote_users() -> SyncRun | None:
            with site.sessions() as session:
                run = session.scalars(sa.select(SyncRun)).first()
                return run if run and (run.streams or {}).get("users") else None

        try:
            dead = wait_until(dead_run_wrote_users, what="the users stream of the first run")
        finally:
            kill(process)
            release.set()
        with site.sessions() as session:
            assert session.scalars(sa.select(SyncLease)).first() is not None  # left behind

        outcome = site.bridge("sync", "--all-streams", "--json")
        assert outcome.exit_code == 0, outcome.stderr
        assert json.loads(outcome.last_line)["status"] == "ok"
        with site.sessions() as session:
            run = session.get(SyncRun, dead.id)
            assert run is not None and run.status == "interrupted" and run.finished_at
            [entry] = session.scalars(
                sa.select(AuditEntry).where(AuditEntry.action == "sync interrupted")
            )
    assert entry.outcome == "failed"
    assert entry.details["run_id"] == dead.id and entry.details["connector"] == "moodle"
    assert entry.details["streams"]["users"]["created"] > 0
