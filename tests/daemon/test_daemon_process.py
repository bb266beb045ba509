"""`bridge daemon` as an operator runs it: a child process against the simulator, watched
only through the register and its JSON log, stopped with SIGTERM."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.services.leases import release, try_acquire
from bridge.services.push import outbox
from bridge.store.models import AuditEntry, DaemonHeartbeat, Person
from tests.configs import write_token
from tests.daemon.helpers import Site, daemon, job_failures, served, wait_until

pytestmark = [pytest.mark.registry, pytest.mark.slow]


@pytest.fixture
def site(tmp_path: Path, db_url: str) -> Site:
    with served(tmp_path, db_url) as site:
        site.configure()
        yield site


def a_student(site: Site) -> tuple[int, int]:
    """(person id, LMS user id) of an active account the sync brought in."""
    with site.sessions() as session:
        row = session.execute(
            sa.text(
                "SELECT a.person_id, a.lms_user_id FROM lms_accounts a "
                "JOIN lms_enrolments e ON e.lms_user_id = a.lms_user_id "
                "WHERE a.person_id IS NOT NULL AND CAST(e.roles AS TEXT) LIKE '%student%' "
                "ORDER BY a.lms_user_id"
            )
        ).first()
    assert row is not None
    return int(row[0]), int(row[1])


def test_daemon_syncs_pushes_and_exits_0_on_sigterm_with_leases_released(
    site: Site, tmp_path: Path
) -> None:
    with daemon(site.config, tmp_path / "daemon.log") as d:
        wait_until(lambda: site.runs(status="ok", trigger="schedule"), timeout=60,
                   what="a scheduled sync run with status ok")
        person_id, lms_user_id = a_student(site)
        assert not site.sim.state.users[lms_user_id].suspended
        with site.sessions() as session, session.begin():
            command_id = outbox.enqueue(session, connector="moodle", lms_user_id=lms_user_id,
                                        action="suspend", person_id=person_id).id
        wait_until(lambda: site.command(command_id).state == "done", timeout=30,
                   what="the daemon's push worker to carry out the suspend")
        assert site.sim.state.users[lms_user_id].suspended

        status = site.status()
        assert status["daemon"]["alive"] is True
        assert status["connectors"]["moodle"]["last_run"]["status"] in ("ok", "running")

        code, took = d.terminate()
        assert (code, d.alive()) == (0, False), d.text()
        assert took < 30
    assert site.leases() == []
    assert not site.runs(status="running")
    status = site.status()
    assert status["daemon"]["alive"] is False
    assert status["daemon"]["state"] == "stopped"  # a clean stop, not a crash
    with site.sessions() as session:
        beat = session.scalars(sa.select(DaemonHeartbeat)).one()
        assert beat.stopped_at is not None
        started, stopped = (
            session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).one()
            for action in ("daemon start", "daemon stop")
        )
    assert started.operator == stopped.operator == "system:daemon"
    assert started.details == stopped.details == {"host": beat.host, "pid": beat.pid}


def test_manual_sync_exits_3_during_a_daemon_sync_and_sigterm_ends_a_300s_retry_wait(
    site: Site, tmp_path: Path
) -> None:
    site.gate.retry_after = 300  # Moodle: "come back in five minutes"
    with daemon(site.config, tmp_path / "daemon.log") as d:
        lease = wait_until(
            lambda: [x for x in site.leases() if x.name == "sync:moodle"], timeout=30,
            what="the daemon's sync to take the lease",
        )[0]
        assert lease.holder.startswith("system:daemon@")
        wait_until(lambda: site.runs(status="running"), timeout=30, what="the run to open")

        manual = site.bridge("sync")
        assert manual.exit_code == 3, (manual.stdout, manual.stderr)
        assert "system:daemon@" in manual.stderr

        code, took = d.terminate()
        assert code == 0, d.text()
        assert took < 30
    assert site.leases() == []
    runs = site.runs()
    assert runs and all(r.status != "running" for r in runs)


def test_daemon_skips_its_slot_while_another_process_holds_the_lease(
    site: Site, tmp_path: Path
) -> None:
    other = "olli.operator@another-host:4242:abcdef"
    assert try_acquire(site.sessions, "sync:moodle", other, ttl=timedelta(minutes=5)) is None
    with daemon(site.config, tmp_path / "daemon.log") as d:
        wait_until(
            lambda: d.logged(lambda e: e.get("job") == "sync:moodle" and "skipped" in e["message"]
                             and other in e["message"]),
            timeout=30, what="the daemon to log the skipped slot",
        )
        assert site.runs() == []
        release(site.sessions, "sync:moodle", other)
        wait_until(lambda: site.runs(status="ok"), timeout=60, what="the next slot to sync")
        code, _ = d.terminate()
        assert code == 0, d.text()


def test_a_failing_job_is_logged_with_its_type_and_runs_again_at_its_next_slot(
    site: Site, tmp_path: Path
) -> None:
    token_file = tmp_path / "moodle.token"  # not there yet: the sync job fails at each slot
    text = site.config.read_text(encoding="utf-8")
    site.config.write_text(
        text.replace(f'token = "{site.sim.token}"', f'token_file = "{token_file}"'),
        encoding="utf-8",
    )
    with daemon(site.config, tmp_path / "daemon.log") as d:
        failures = wait_until(
            lambda: len(job_failures(d, "sync:moodle", "ConfigError")) >= 2 and
            job_failures(d, "sync:moodle", "ConfigError"),
            timeout=30, what="two failed slots of the sync job",
        )
        assert failures[0]["level"] == "error"
        assert "token_file" in failures[0]["message"]
        assert d.alive()
        assert site.status()["daemon"]["alive"] is True

        write_token(token_file, site.sim.token)
        wait_until(lambda: site.runs(status="ok"), timeout=60,
                   what="the sync job to succeed once the token is there")
        code, _ = d.terminate()
        assert code == 0, d.text()
    assert site.sim.token not in d.log_path.read_text(encoding="utf-8")


def test_a_second_daemon_on_one_sqlite_register_exits_3(site: Site, tmp_path: Path) -> None:
    if not site.db_url.startswith("sqlite"):
        pytest.skip("several daemons against PostgreSQL are allowed")
    with daemon(site.config, tmp_path / "first.log") as first:
        wait_until(lambda: site.status()["daemon"], timeout=30, what="the first heartbeat")
        with daemon(site.config, tmp_path / "second.log") as second:
            assert second.wait_exit() == 3
            assert "one daemon" in second.text()
        assert first.alive()
        code, _ = first.terminate()
        assert code == 0


def test_people_are_not_named_in_the_daemon_log(site: Site, tmp_path: Path) -> None:
    with daemon(site.config, tmp_path / "daemon.log") as d:
        wait_until(lambda: site.runs(status="ok"), timeout=60, what="a sync")
        assert d.terminate()[0] == 0
    log = d.log_path.read_text(encoding="utf-8").casefold()
    with site.sessions() as session:
        emails = [e for e in session.scalars(sa.select(Person.email)) if e]
    assert emails
    assert not [e for e in emails if e.casefold() in log]
