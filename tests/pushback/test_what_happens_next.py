"""Answers that say what happens next: consent withdrawal says when LMS access ends (the
daemon's next poll, or the command to run), ``--now`` pushes and verifies before returning,
and an unreachable Moodle leaves the pushes queued with one line per connector."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from bridge.services.ops.heartbeat import start_heartbeat, stop_heartbeat
from connectors.moodle.client import MoodleClient
from tests.cli import Outcome
from tests.configs import write_config
from tests.pushback.helpers import Site

pytestmark = [pytest.mark.registry, pytest.mark.slow]


def withdraw(site: Site, person_id: int, *extra: str) -> Outcome:
    return site.bridge(
        "consent", "withdraw", "--person", str(person_id), "--purpose", "service",
        "--reason", "asked by e-mail", *extra,
    )


@pytest.fixture
def moodle_gone(site: Site, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Point the register at a port where nothing listens; yields the client's waits."""
    waits: list[float] = []
    monkeypatch.setattr(MoodleClient, "sleep", lambda self, seconds: waits.append(seconds))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        write_config(site.config.parent, site.db_url, moodle_url=url, token=site.sim.token)
        yield waits


def test_without_a_daemon_the_answer_names_the_command_to_run(site: Site) -> None:
    person_id, _, uid = site.students()[0]
    outcome = withdraw(site, person_id)
    assert outcome.exit_code == 0, outcome.stderr
    assert "queued push 1: suspend in moodle" in outcome.stdout
    assert (
        "no daemon is running: LMS access ends when you run `bridge push run --once`"
        in outcome.stdout
    )
    assert site.suspended(uid) is False


def test_with_a_running_daemon_the_answer_gives_its_push_interval(site: Site) -> None:
    person_id, _, _ = site.students()[0]
    heartbeat = start_heartbeat(site.sessions)
    outcome = withdraw(site, person_id)
    assert "LMS access ends within 2s, when the daemon pushes it to the LMS" in outcome.stdout
    stop_heartbeat(site.sessions, heartbeat)  # a stopped daemon pushes nothing
    other, _, _ = site.students()[1]
    assert "no daemon is running" in withdraw(site, other).stdout


def test_now_pushes_and_verifies_before_returning(site: Site) -> None:
    person_id, _, uid = site.students()[0]
    outcome = withdraw(site, person_id, "--now")
    assert outcome.exit_code == 0, outcome.stderr
    assert "pushed and verified by reading back (push 1): LMS access has ended" in outcome.stdout
    assert site.suspended(uid) is True
    [command] = site.commands(lms_user_id=uid)
    assert command.state == "done" and command.verified_at is not None


def test_now_with_moodle_unreachable_exits_1_and_the_push_stays_queued(
    site: Site, moodle_gone: list[float]
) -> None:
    person_id, _, uid = site.students()[0]
    outcome = withdraw(site, person_id, "--now")
    assert outcome.exit_code == 1
    [line] = [x for x in outcome.stderr.splitlines() if x.strip()]
    assert line.startswith("error: moodle: cannot reach http://127.0.0.1:")
    assert "its pushes stay queued" in line and "HTTPConnectionPool" not in line
    [command] = site.commands(lms_user_id=uid)
    assert command.state == "pending"
    assert site.suspended(uid) is False


def test_push_run_once_tries_an_unreachable_moodle_once_for_all_commands(
    site: Site, moodle_gone: list[float]
) -> None:
    for person_id, _, _ in site.students()[:3]:
        site.withdraw(person_id)
    outcome = site.bridge("push", "run", "--once")
    assert outcome.exit_code == 1
    lines = [x for x in outcome.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "cannot reach" in lines[0], lines
    assert "push " not in outcome.stdout  # no line per command repeating the same cause
    assert len(moodle_gone) == 1  # one more try for the connector, not one per command
    assert {c.state for c in site.commands()} == {"pending"}


def test_erase_says_when_the_account_is_suspended(site: Site) -> None:
    person_id, _, _ = site.students()[0]
    outcome = site.bridge("subject", "erase", "--person", str(person_id), "--yes")
    assert outcome.exit_code == 0, outcome.stderr
    assert (
        "next: no daemon is running: the LMS account is suspended when you run "
        "`bridge push run --once`" in outcome.stdout
    )
