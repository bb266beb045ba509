"""`bridge status --json`: the stable shape of CONTRACTS 3, every part present."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import SecretStr

from bridge.services.sync.engine import SyncOptions, run_sync
from bridge.settings import load_settings
from tests.bridge.fake_connector import FakeConnector, ScriptedLms
from tests.cli import run
from tests.configs import OS_USER, SENTINEL_TOKEN, write_config


def test_status_json_shape_before_and_after_a_run(tmp_path: Path, db_url: str, sessions) -> None:
    config = write_config(tmp_path, db_url, connector_extra='streams = ["users", "courses"]\n')
    before = json.loads(run("status", "--json", config=config).last_line)
    assert set(before) == {"connectors", "push", "requests", "daemon", "erasures"}
    moodle = before["connectors"]["moodle"]
    assert set(moodle) == {"last_run", "streams", "lease", "quarantined", "push"}
    assert moodle["push"] == {"pending": 0, "failed": 0, "verified": 0, "last_verified_at": None}
    assert moodle["last_run"] is None and moodle["lease"] is None
    assert set(moodle["streams"]) == {"users", "courses"}
    assert set(moodle["streams"]["users"]) == {
        "bookmark", "age_s", "due_at", "reconciled_at", "listing"
    }
    assert before["push"] == {
        "pending": 0, "failed": 0, "oldest_pending_age_s": None, "overdue": [], "alarms": [],
        "late": [],
    }
    assert before["requests"] == {"open": 0, "overdue": 0}
    assert before["daemon"] is None and before["erasures"] is None

    lms = ScriptedLms()
    lms.add_user(5)
    run_sync(load_settings(config), sessions, "moodle", SecretStr(SENTINEL_TOKEN),
             SyncOptions(all_streams=True), connector_factory=lambda stop: FakeConnector(lms))
    after = json.loads(run("status", "--json", config=config).last_line)["connectors"]["moodle"]
    last = after["last_run"]
    assert set(last) == {"id", "status", "started_at", "finished_at", "duration_s", "streams"}
    assert last["status"] == "ok" and last["finished_at"].endswith("Z")
    assert after["streams"]["users"]["bookmark"] == {}
    assert after["streams"]["users"]["age_s"] is not None


def test_status_is_allowed_for_a_viewer(tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path, db_url, roles=())
    outcome = run("status", config=config)
    assert outcome.exit_code == 0, outcome.stderr


def test_sync_is_refused_for_a_viewer_and_audited(tmp_path: Path, db_url: str, sessions) -> None:
    import sqlalchemy as sa

    from bridge.store.models import AuditEntry

    config = write_config(tmp_path, db_url, roles=())
    outcome = run("sync", config=config)
    assert outcome.exit_code == 4
    assert repr(OS_USER) in outcome.stderr and "viewer" in outcome.stderr
    with sessions() as session:
        entry = session.scalars(sa.select(AuditEntry)).one()
        assert (entry.operator, entry.role) == (OS_USER, "viewer")
        assert (entry.outcome, entry.action) == ("denied", "sync")


def test_status_check_fails_while_a_push_is_overdue(tmp_path: Path, db_url: str, sessions) -> None:
    """For monitoring: a push still queued after ``daemon.push_overdue`` (no daemon runs it,
    or the LMS keeps failing it) makes `status --check` exit 1, naming it."""
    from datetime import timedelta

    from bridge.clock import utcnow
    from bridge.services.push.outbox import enqueue

    config = write_config(tmp_path, db_url, extra='[daemon]\npush_overdue = "1h"\n')
    assert run("status", "--check", config=config).exit_code == 0
    with sessions() as session, session.begin():
        enqueue(session, connector="moodle", lms_user_id=5, action="suspend", person_id=None)
        enqueue(session, connector="moodle", lms_user_id=6, action="suspend", person_id=None,
                now=utcnow() - timedelta(hours=2))
    outcome = run("status", "--check", config=config)
    assert outcome.exit_code == 1
    assert "overdue: push 2 (suspend) in moodle still queued" in outcome.stderr
    assert "push 1 " not in outcome.stderr
    assert "still queued after more than 1h" in outcome.stdout
    assert run("status", config=config).exit_code == 0  # without --check: only shown
