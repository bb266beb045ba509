"""The sync against the Moodle simulator over real HTTP: every stream lands, a second run
writes nothing, faults and kills do not change the outcome, requests grow with pages."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.store.db import make_engine
from bridge.store.write_counter import WriteCounter
from connectors.base import STREAM_NAMES
from tests.cli import run
from tests.sync.helpers import config_for, reset_register, row_counts, served, snapshot

SUMMARY_STREAM_KEYS = {"fetched", "created", "updated", "unchanged", "removed", "quarantined"}


def sync_json(config: Path, *args: str) -> dict:
    outcome = run("sync", "--json", *args, config=config)
    assert outcome.exit_code == 0, outcome.stderr
    return json.loads(outcome.last_line)


def test_full_sync_fills_every_stream_and_json_has_the_contract_shape(tmp_path, db_url) -> None:
    with served("demo") as (sim, url):
        config = config_for(tmp_path, db_url, url, sim.token)
        summary = sync_json(config, "--full")
    assert set(summary) == {"run_id", "status", "streams", "requests", "duration_s"}
    assert summary["status"] == "ok"
    assert isinstance(summary["run_id"], int) and isinstance(summary["requests"], int)
    assert isinstance(summary["duration_s"], float)
    assert set(summary["streams"]) == set(STREAM_NAMES)
    for stats in summary["streams"].values():
        assert set(stats) == SUMMARY_STREAM_KEYS
        assert stats["created"] > 0
    counts = row_counts(db_url)
    for table in (
        "lms_accounts",
        "lms_courses",
        "lms_enrolments",
        "lms_grade_items",
        "lms_grades",
        "lms_assignments",
        "lms_submissions",
        "lms_assignment_grades",
        "lms_messages",
        "lms_log_entries",
        "persons",
    ):
        assert counts[table] > 0, table


def test_second_run_with_no_change_writes_no_data_row(tmp_path, db_url) -> None:
    with served("demo") as (sim, url):
        config = config_for(tmp_path, db_url, url, sim.token)
        sync_json(config, "--full")
        engine = make_engine(db_url)
        counter = WriteCounter(engine)
        try:
            from bridge.cli.app import App
            from bridge.services.database import Register

            # The same engine the CLI would build, observed: run in-process with it.
            app = App(config_file=config)
            app._register = Register(engine)
            from bridge.services.sync.engine import SyncOptions, run_sync

            result = run_sync(
                app.settings,
                app.sessions,
                "moodle",
                app.connector_token("moodle"),
                SyncOptions(all_streams=True),
            )
        finally:
            counter.close()
            engine.dispose()
    assert result.status == "ok"
    assert counter.rows == 0, counter.statements
    assert all(s.created == 0 and s.updated == 0 for s in result.streams.values())


def test_incremental_run_picks_up_new_activity(tmp_path, db_url) -> None:
    with served("demo") as (sim, url):
        config = config_for(tmp_path, db_url, url, sim.token)
        sync_json(config, "--full")
        sim.touch(3)
        # Moodle serves messages up to the second before now: the run comes a second later
        # (else it would rightly leave this second's messages to the next run)
        clock = sim.state.clock
        sim.state.clock = lambda: clock() + 1
        summary = sync_json(config, "--all-streams")
    streams = summary["streams"]
    assert streams["messages"]["created"] >= 1
    assert streams["submissions"]["created"] + streams["submissions"]["updated"] >= 1


def test_faults_do_not_change_the_register(tmp_path, db_url) -> None:
    with served("demo") as (sim, url):
        config = config_for(tmp_path, db_url, url, sim.token)
        sync_json(config, "--full")
    reference = snapshot(db_url)
    reset_register(db_url)
    with served("demo", faults=0.2, fault_delay=0.2) as (sim, url):
        config = config_for(
            tmp_path, db_url, url, sim.token, connector_extra="max_parallel_requests = 2\n"
        )
        config.write_text(config.read_text().replace('timeout = "5s"', 'timeout = "1s"'))
        summary = sync_json(config, "--full")
    assert summary["status"] == "ok"
    assert snapshot(db_url) == reference


@pytest.mark.parametrize("seed", [3, 11])
def test_killed_syncs_leave_a_register_the_next_run_completes(tmp_path, db_url, seed) -> None:
    with served("demo") as (sim, url):
        config = config_for(tmp_path, db_url, url, sim.token)
        sync_json(config, "--all-streams")
    reference = snapshot(db_url)
    reset_register(db_url)
    rng = random.Random(seed)
    command = [
        sys.executable,
        "-m",
        "bridge.cli",
        "--config",
        str(config),
        "sync",
        "--all-streams",
        "--wait",
        "--json",
    ]
    with served("demo") as (sim, url):
        config = config_for(tmp_path, db_url, url, sim.token)
        for _ in range(3):
            process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(rng.uniform(0.3, 2.0))  # a random kill point, not a synchronisation
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finished = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout.strip().splitlines()[-1])["status"] == "ok"
    assert snapshot(db_url) == reference
    engine = make_engine(db_url)
    with engine.connect() as connection:
        runs = connection.execute(sa.text("SELECT status FROM sync_runs ORDER BY id"))
        statuses = [r[0] for r in runs]
    engine.dispose()
    assert statuses[-1] == "ok"
    assert "running" not in statuses


def test_request_count_does_not_grow_with_students(tmp_path, db_url) -> None:
    counts = []
    for extra_students in (0, 9):
        reset_register(db_url)
        with served("tiny") as (sim, url):
            for course in sorted(c for c in sim.state.courses if c != 1):
                enrolled = len(sim.state.course_enrolments[course])
                if extra_students:
                    sim.add_students(enrolled * extra_students, courseid=course)
            config = config_for(tmp_path, db_url, url, sim.token)
            counts.append(sync_json(config, "--full")["requests"])
    assert counts[0] == counts[1]


def test_sync_against_the_simulator_subprocess_over_http(tmp_path, db_url) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "bridge.cli", "simulator", "serve", "--size", "tiny"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready = json.loads(server.stdout.readline())
        config = config_for(tmp_path, db_url, ready["url"], ready["token"])
        assert sync_json(config, "--full")["status"] == "ok"
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0


def test_what_retention_deleted_is_not_imported_again(tmp_path, db_url) -> None:
    from bridge.services.secrets import read_register_secret, tombstone_hash
    from bridge.store.models import LmsLogEntry, LmsSubmission, RetentionFloor, Tombstone

    with served("demo") as (sim, url):
        config = config_for(tmp_path, db_url, url, sim.token)
        sync_json(config, "--full")
        engine = make_engine(db_url)
        with engine.begin() as connection:
            submission = connection.execute(sa.select(LmsSubmission.lms_submission_id)).first()[0]
            times = sorted(connection.execute(sa.select(LmsLogEntry.time_created)).scalars())
            floor = times[len(times) // 2]
            secret = read_register_secret(tmp_path / "register.secret")
            connection.execute(sa.delete(LmsSubmission))
            connection.execute(sa.delete(LmsLogEntry))
            connection.execute(
                sa.insert(Tombstone).values(
                    connector="moodle",
                    stream="submissions",
                    key_hash=tombstone_hash(secret, "moodle", "submissions", str(submission)),
                )
            )
            connection.execute(
                sa.insert(RetentionFloor).values(connector="moodle", stream="logs", floor=floor)
            )
        sync_json(config, "--full")
        with engine.connect() as connection:
            kept = set(connection.execute(sa.select(LmsSubmission.lms_submission_id)).scalars())
            oldest = connection.execute(sa.select(sa.func.min(LmsLogEntry.time_created))).scalar()
        engine.dispose()
    assert submission not in kept and kept
    assert oldest >= floor
