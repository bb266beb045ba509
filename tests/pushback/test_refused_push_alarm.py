"""A push the LMS refused for a cause a person must fix is an alarm, not a quiet `failed`:
`--now` says that access has NOT ended, `bridge status` shows the alarm first and
`status --check` fails, the daemon logs it at ERROR and mails the privacy officer once, a
metric counts it, and once the token works again the withdrawal completes with no command
typed. Every sync proves the token first, even when no stream is due."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from email import message_from_bytes
from pathlib import Path

import pytest

from bridge.files import write_private
from bridge.services.audit import Actor
from bridge.services.audit.identity import DAEMON
from bridge.services.push import alarms
from bridge.services.sync.proof import AccessNotProven
from bridge.settings import Settings
from bridge.settings.durations import parse_schedule
from bridge.settings.loader import load_settings
from jobs import push as push_job
from jobs import sync as sync_job
from jobs.catalogue import JobSpec, guarded
from jobs.context import JobContext, JobSkipped
from jobs.metrics import DaemonCollector
from tests.cli import Outcome
from tests.configs import write_token
from tests.pushback.helpers import Site, served_site
from tests.smtp_sink import SMTP_SINK, SinkServer

pytestmark = [pytest.mark.registry, pytest.mark.slow]

WRONG = "0" * 32


def use_token_file(site: Site, token_file: Path, token: str) -> Settings:
    """Point the register at ``token_file`` (holding ``token``), as deployed."""
    write_token(token_file, token)
    text = site.config.read_text(encoding="utf-8")
    site.config.unlink()
    write_private(site.config, text.replace(
        f'token = "{site.sim.token}"', f'token_file = "{token_file}"').encode("utf-8"))
    return load_settings(site.config)


@contextmanager
def captured(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """Every record logged in the block (the CLI runs replaced the root's handlers)."""
    caplog.clear()
    root = logging.getLogger()
    root.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO):
            yield caplog.records
    finally:
        root.removeHandler(caplog.handler)


def withdraw(site: Site, person_id: int, *extra: str) -> Outcome:
    return site.bridge("consent", "withdraw", "--person", str(person_id),
                       "--purpose", "service", "--reason", "asked by e-mail", *extra)


@contextmanager
def without_update_capability(tmp_path: Path, db_url: str) -> Iterator[tuple[Site, int, int]]:
    """A synced site whose service user lost ``moodle/user:update``, and one student."""
    with served_site(tmp_path, db_url) as site:
        assert site.sync("--full")["status"] == "ok"
        person_id, _, uid = site.students()[0]
        site.sim.remove_capability("moodle/user:update")
        yield site, person_id, uid


def push_pass(daemon: JobContext) -> int:
    """One pass of the daemon's push job: how many pushes it completed."""
    try:
        return push_job.run(daemon).done
    except JobSkipped:
        return 0


def blocked_metric(daemon: JobContext) -> dict[str, float]:
    families = {family.name: family for family in DaemonCollector(daemon).collect()}
    return {s.name + str(s.labels): s.value for s in families["bridge_push_blocked"].samples}


def test_a_wrong_token_is_an_alarm_until_fixed_then_the_withdrawal_completes_by_itself(
    tmp_path: Path, db_url: str, smtp_sink: SinkServer, caplog: pytest.LogCaptureFixture
) -> None:
    with ExitStack() as stack:
        site = stack.enter_context(served_site(
            tmp_path, db_url, extra=SMTP_SINK.format(port=smtp_sink.server_address[1])
        ))
        assert site.sync("--full")["status"] == "ok"
        token_file = tmp_path / "moodle.token"
        settings = use_token_file(site, token_file, WRONG)  # a rotated token
        person_id, _, uid = site.students()[0]

        outcome = withdraw(site, person_id, "--now")
        assert outcome.exit_code == 1
        assert "LMS access has NOT ended" in outcome.stderr
        assert f"put a valid token in {token_file}" in outcome.stderr
        assert "runs again by itself" in outcome.stderr and "stays queued" not in outcome.stderr
        assert WRONG not in outcome.stderr + outcome.stdout
        assert site.suspended(uid) is False

        status = site.bridge("status", "--check")
        assert status.exit_code == 1
        first = next(line for line in status.stdout.splitlines() if line.strip())
        assert first.startswith("ALARM: 1 person(s) keep LMS access")
        assert "the Moodle token is refused" in first and "alarm:" in status.stderr
        assert "push queue: 0 pending, 1 failed (1 held by an alarm)" in status.stdout

        daemon = JobContext(settings, site.sessions, settings.connector_token,
                            Actor(DAEMON, "admin"))
        sync_slot = JobSpec("sync:moodle", lambda ctx: sync_job.incremental(ctx, "moodle"),
                            parse_schedule("5m"))
        with captured(caplog) as records:
            assert push_pass(daemon) == 0
            guarded(daemon, sync_slot)  # the dead token again: the alarm already tells it
            assert push_pass(daemon) == 0  # the next poll: no second line, no second mail
            errors = [r for r in records if r.levelno >= logging.ERROR]
            warned = [r.getMessage() for r in records if r.levelno == logging.WARNING]
        assert daemon.record("sync:moodle").last_status == "failed"
        assert any("job sync:moodle failed" in w and "open alarm" in w for w in warned)
        [alarm] = errors
        assert "ALARM" in alarm.getMessage() and "1 person(s) keep LMS access" in (
            alarm.getMessage())
        assert blocked_metric(daemon) == {"bridge_push_blocked{'connector': 'moodle'}": 1.0}
        [raw] = smtp_sink.messages
        mail = message_from_bytes(raw)
        assert "ALARM: 1 person(s) keep LMS access" in mail["Subject"]
        assert str(token_file) in mail.get_payload(decode=True).decode()

        write_token(token_file, site.sim.token)  # the fix; no command is typed after it
        with captured(caplog) as records:
            with contextlib.suppress(JobSkipped):
                sync_job.incremental(daemon, "moodle")  # proves the token: the alarm clears
            assert push_pass(daemon) == 1
            assert not [r for r in records if r.levelno >= logging.ERROR]
        assert site.suspended(uid) is True
        [command] = site.commands(lms_user_id=uid)
        assert command.state == "done" and command.alarm_id is None
        assert blocked_metric(daemon) == {"bridge_push_blocked{'connector': 'moodle'}": 0.0}
        assert site.bridge("status", "--check").exit_code == 0
        assert len(smtp_sink.messages) == 1


def test_a_dead_token_fails_the_sync_with_its_fix_even_with_no_stream_due(
    tmp_path: Path, db_url: str
) -> None:
    with served_site(tmp_path, db_url) as site:
        assert site.sync("--full")["status"] == "ok"
        token_file = tmp_path / "moodle.token"
        settings = use_token_file(site, token_file, WRONG)
        outcome = site.bridge("sync")
        assert outcome.exit_code == 1
        assert "ok, 0 requests" not in outcome.stdout + outcome.stderr
        assert f"the Moodle token is refused: put a valid token in {token_file}" in (
            outcome.stderr)
        daemon = JobContext(settings, site.sessions, settings.connector_token,
                            Actor(DAEMON, "admin"))
        with pytest.raises(AccessNotProven, match="token is refused"):
            sync_job.incremental(daemon, "moodle")
        write_token(token_file, site.sim.token)
        assert site.bridge("sync").exit_code == 0


def test_a_missing_capability_holds_the_push_until_bridge_check_passes(
    tmp_path: Path, db_url: str
) -> None:
    with without_update_capability(tmp_path, db_url) as (site, person_id, uid):
        outcome = withdraw(site, person_id, "--now")
        assert outcome.exit_code == 1 and "LMS access has NOT ended" in outcome.stderr
        assert site.bridge("sync").exit_code == 0  # the token works: not this alarm's proof
        [command] = site.commands(lms_user_id=uid)
        assert command.state == "failed" and command.alarm_id is not None
        site.sim.grant_capability("moodle/user:update")
        assert site.bridge("check").exit_code == 0
        site.ok("push", "run", "--once")
        assert site.suspended(uid) is True


def test_a_token_rotated_in_moodle_and_put_right_in_its_file_needs_no_daemon_restart(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The daemon's push worker keeps its connection between passes: when the token in the
    file changes, it opens a new one, so the held push does not fail again on the old."""
    with served_site(tmp_path, db_url) as site:
        assert site.sync("--full")["status"] == "ok"
        token_file = tmp_path / "moodle.token"
        settings = use_token_file(site, token_file, site.sim.token)
        daemon = JobContext(settings, site.sessions, settings.connector_token,
                            Actor(DAEMON, "admin"))
        (first, _, _), (second, _, uid) = site.students()[:2]
        assert withdraw(site, first).exit_code == 0
        assert push_pass(daemon) == 1  # the worker now holds a connection with the old token

        state = site.sim.state
        rotated = "f" * 32
        state.add_token(rotated, state.service_userid)
        del state.tokens[site.sim.token]  # the administrator rotated the token in Moodle
        site.sim.token = rotated  # (what the test's own reads use)
        outcome = withdraw(site, second, "--now")
        assert outcome.exit_code == 1 and "LMS access has NOT ended" in outcome.stderr

        write_token(token_file, rotated)
        with captured(caplog) as records:
            with contextlib.suppress(JobSkipped):
                sync_job.incremental(daemon, "moodle")
            assert push_pass(daemon) == 1  # with the new token: no second refusal, no alarm
            assert not [r for r in records if r.levelno >= logging.ERROR]
        assert site.suspended(uid) is True
        with site.sessions() as session:
            assert alarms.open_alarms(settings, session) == []


def test_an_erasure_supersedes_a_held_push_so_it_never_runs_after_the_alarm_clears(
    tmp_path: Path, db_url: str
) -> None:
    with without_update_capability(tmp_path, db_url) as (site, person_id, uid):
        assert withdraw(site, person_id, "--now").exit_code == 1
        [held] = site.commands(lms_user_id=uid)
        assert held.alarm_id is not None
        site.json("subject", "erase", "--person", str(person_id), "--yes")
        [superseded] = [c for c in site.commands(lms_user_id=uid) if c.id == held.id]
        assert superseded.state == "failed" and superseded.alarm_id is None
        assert superseded.last_error == "superseded by erasure"
        site.sim.grant_capability("moodle/user:update")
        assert site.bridge("check").exit_code == 0
        [after] = [c for c in site.commands(lms_user_id=uid) if c.id == held.id]
        assert after.state == "failed"  # not queued again by the cleared alarm
