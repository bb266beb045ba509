"""Canvas end to end over HTTP against the simulator, with a register on SQLite and
PostgreSQL: ``bridge check`` passes, a full sync fills every stream, a second sync writes
nothing, a withdrawal suspends the logins and an erasure deletes the user (each verified
by reading Canvas back), and the access export shows the Canvas data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.store.db import make_engine
from bridge.store.write_counter import WriteCounter
from connectors.base import STREAM_NAMES
from tests.configs import write_token
from tests.connectors.canvas.helpers import CanvasSite, served_canvas
from tests.sync.helpers import reset_register, snapshot

pytestmark = [pytest.mark.registry]

LEARNER = 10_001  # a learner of the simulated account, active in two courses


@pytest.fixture
def site(tmp_path: Path, db_url: str) -> CanvasSite:
    with served_canvas(tmp_path, db_url) as served:
        yield served


def test_check_passes_and_a_missing_permission_is_named_with_where_to_grant_it(
    site: CanvasSite,
) -> None:
    ok = site.bridge("check")
    assert ok.exit_code == 0, (ok.stdout, ok.stderr)
    site.sim.granted.discard("view_statistics")
    refused = site.bridge("check")
    assert refused.exit_code != 0
    said = refused.stdout + refused.stderr
    assert "view_statistics" in said and "Permissions > Account Roles" in said
    assert site.sim.token not in said


def test_a_full_sync_fills_every_stream_and_a_second_writes_nothing(site: CanvasSite) -> None:
    summary = site.json("sync", "--full")
    assert summary["status"] == "ok", summary
    assert set(summary["streams"]) == set(STREAM_NAMES)
    for name, stats in summary["streams"].items():
        assert stats["created"] > 0 and stats["quarantined"] == 0, (name, stats)
    engine = make_engine(site.db_url)
    counter = WriteCounter(engine)
    try:
        from bridge.cli.app import App
        from bridge.services.database import Register
        from bridge.services.sync.engine import SyncOptions, run_sync

        app = App(config_file=site.config)
        app._register = Register(engine)
        again = run_sync(app.settings, app.sessions, "canvas", app.connector_token("canvas"),
                         SyncOptions(all_streams=True))
    finally:
        counter.close()
        engine.dispose()
    assert again.status == "ok"
    assert counter.rows == 0, counter.statements


def test_a_withdrawal_suspends_every_login_and_is_verified(site: CanvasSite) -> None:
    assert site.json("sync", "--full")["status"] == "ok"
    person = site.person_of(LEARNER)
    outcome = site.bridge("consent", "withdraw", "--person", str(person), "--purpose",
                          "service", "--reason", "asked by e-mail", "--now")
    assert outcome.exit_code == 0, (outcome.stdout, outcome.stderr)
    logins = site.canvas(f"/api/v1/users/{LEARNER}/logins").json()
    assert logins and {login["workflow_state"] for login in logins} == {"suspended"}
    status = site.json("status")
    assert status["push"]["pending"] == 0 and status["push"]["failed"] == 0


def test_an_erasure_deletes_the_user_and_is_verified(site: CanvasSite) -> None:
    assert site.json("sync", "--full")["status"] == "ok"
    person = site.person_of(LEARNER)
    site.json("subject", "erase", "--person", str(person), "--yes")
    assert site.json("push", "run", "--once")["done"] == 1
    # As Canvas: the row stays, the admin has no right over it, the account lists it no more.
    assert site.canvas(f"/api/v1/users/{LEARNER}").status_code == 401
    found = site.canvas("/api/v1/accounts/self/users", search_term=str(LEARNER)).json()
    assert LEARNER not in {u["id"] for u in found}


def test_the_access_export_shows_the_canvas_data(site: CanvasSite, tmp_path: Path) -> None:
    assert site.json("sync", "--full")["status"] == "ok"
    person = site.person_of(LEARNER)
    out = tmp_path / "export.json"
    site.json("subject", "export", "--person", str(person), "--out", str(out))
    letter = out.read_text(encoding="utf-8")
    user = site.sim.account.users[LEARNER]
    assert user["email"] in letter and "canvas" in letter
    course = next(e["course_id"] for e in site.sim.account.enrollments.values()
                  if e["user_id"] == LEARNER)
    assert site.sim.account.courses[course]["name"] in letter
    body = next(s["body"] for s in site.sim.account.submissions.values()
                if s["user_id"] == LEARNER)
    assert body in letter or json.dumps(body)[1:-1] in letter


def test_rate_limits_and_server_errors_do_not_change_the_register(
    tmp_path: Path, db_url: str
) -> None:
    with served_canvas(tmp_path / "clean", db_url) as clean:
        assert clean.json("sync", "--full")["status"] == "ok"
    expected = snapshot(db_url)
    reset_register(db_url)
    with served_canvas(tmp_path / "faulty", db_url) as faulty:
        faulty.sim.fail_next("rate_limit", 2)
        faulty.sim.fail_next("server_error")
        assert faulty.json("sync", "--full")["status"] == "ok"
        assert not faulty.sim.faults  # every fault was met, and retried
    assert snapshot(db_url) == expected


def test_a_dead_token_fails_the_sync_in_one_line_with_its_fix(site: CanvasSite) -> None:
    write_token(site.config.parent / "canvas.token", "7~no-longer-valid")
    outcome = site.bridge("sync")
    assert outcome.exit_code == 1
    said = outcome.stdout + outcome.stderr
    assert "new access token" in said and "token_file" in said
    assert "Traceback" not in said and "7~no-longer-valid" not in said


def test_a_user_deleted_in_canvas_is_marked_removed(site: CanvasSite) -> None:
    assert site.json("sync", "--full")["status"] == "ok"
    site.sim.account.users[LEARNER + 1]["workflow_state"] = "deleted"
    summary = site.json("sync", "--streams", "users", "--full", "--reconcile")
    assert summary["streams"]["users"]["removed"] == 1
    engine = make_engine(site.db_url)
    try:
        with engine.connect() as connection:
            removed = connection.scalar(sa.text(
                "SELECT removed_in_lms_at FROM lms_accounts WHERE lms_user_id = :u"),
                {"u": LEARNER + 1})
    finally:
        engine.dispose()
    assert removed is not None


def test_the_unenrol_mode_deactivates_the_enrolments_too(tmp_path: Path, db_url: str) -> None:
    extra = 'revoke_access = "suspend_and_unenrol"\nunenrol_task = "deactivate"\n'
    with served_canvas(tmp_path, db_url, extra=extra) as site:
        assert site.json("sync", "--full")["status"] == "ok"
        person = site.person_of(LEARNER)
        outcome = site.bridge("consent", "withdraw", "--person", str(person), "--purpose",
                              "service", "--reason", "asked by e-mail", "--now")
        assert outcome.exit_code == 0, (outcome.stdout, outcome.stderr)
        states = {e["enrollment_state"] for e in site.sim.account.enrollments.values()
                  if e["user_id"] == LEARNER}
        assert "active" not in states and "inactive" in states
        assert site.canvas(f"/api/v1/users/{LEARNER}/enrollments",
                           **{"state[]": "active"}).json() == []


def test_an_instance_hosted_outside_the_eu_is_refused(tmp_path: Path, db_url: str) -> None:
    with served_canvas(tmp_path, db_url) as site:
        text = site.config.read_text(encoding="utf-8").replace(
            'hosting_country = "FI"', 'hosting_country = "US"')
        site.config.write_text(text, encoding="utf-8")
        refused = site.bridge("check")
    assert refused.exit_code == 2
    said = refused.stdout + refused.stderr
    assert "outside the EU/EEA" in said and "N9" in said
