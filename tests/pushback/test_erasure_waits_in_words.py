"""Erasure against a site with cron: the served simulator runs Moodle's cron on its own
schedule, waiting states read as sentences (not "status 3"), and a request waiting longer
than ``daemon.lms_request_overdue`` shows as overdue in `bridge status`."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bridge.clock import utcnow
from bridge.services.push.worker import PushWorker
from bridge.store.models import OutboxCommand
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.cron import Cron
from tests.cli import run
from tests.pushback.conftest import SiteFactory
from tests.pushback.helpers import ACTOR, Site

pytestmark = [pytest.mark.registry, pytest.mark.slow]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def approved_request(sim: SimulatedMoodle) -> int:
    """A delete request for a student, approved as the privacy officer would."""
    user = next(u for u in sim.state.users.values() if not u.deleted and u.id > 2)
    created = sim.call("tool_dataprivacy_create_data_request", type=2, foruserid=user.id)
    request_id = int(created["datarequestid"])
    sim.call("tool_dataprivacy_approve_data_request", requestid=request_id)
    return request_id


def test_the_served_simulators_cron_runs_on_its_schedule() -> None:
    sim, clock = SimulatedMoodle("tiny", seed=1), Clock()
    request_id = approved_request(sim)
    cron = Cron(sim, 60.0, clock=clock)
    assert cron.run_due() is None  # the first tick only sets the schedule
    clock.now += 59
    assert cron.run_due() is None and sim.state.requests[request_id].status == 3
    clock.now += 1
    assert cron.run_due() == {"processed": [request_id], "cleaned": [sim.state.requests[
        request_id].userid]}
    assert sim.state.requests[request_id].status == 10 and cron.runs == 1
    assert Cron(sim, 0.0, clock=clock).run_due() is None  # --cron-every 0: never


def test_cron_every_must_be_a_duration() -> None:
    outcome = run("simulator", "serve", "--cron-every", "often")
    assert outcome.exit_code == 2
    assert "--cron-every" in outcome.stderr and "not a duration" in outcome.stderr


def erase_first_student(site: Site) -> int:
    person_id, _, uid = site.students()[0]
    site.ok("subject", "erase", "--person", str(person_id), "--yes")
    return uid


def test_waiting_states_are_sentences_and_cron_completes_the_erasure(site: Site) -> None:
    uid = erase_first_student(site)
    assert site.push_once()["waiting"] == 1
    [command] = site.commands(lms_user_id=uid, action="privacy_delete")
    request = command.lms_request_id
    assert command.last_error == f"Moodle approved data request {request}; its cron deletes " \
        "the account"
    listed = site.ok("push", "list").stdout
    assert "its cron deletes" in listed and "status 3" not in listed

    site.sim.run_cron()  # what the served simulator does every minute
    assert site.push_once()["done"] == 1
    [command] = site.commands(lms_user_id=uid, action="privacy_delete")
    assert command.last_error is None and site.moodle_user(uid) is None


def test_a_request_waiting_past_the_limit_is_overdue_in_status(make_site: SiteFactory) -> None:
    site = make_site(daemon={"lms_request_overdue": "2h"})
    uid = erase_first_student(site)
    site.push_once()
    assert json.loads(site.ok("status", "--json").last_line)["push"]["overdue"] == []
    with site.sessions() as session, session.begin():
        session.execute(
            sa.update(OutboxCommand)
            .where(OutboxCommand.lms_user_id == uid, OutboxCommand.action == "privacy_delete")
            .values(created_at=utcnow() - timedelta(hours=3))
        )
    [overdue] = json.loads(site.ok("status", "--json").last_line)["push"]["overdue"]
    assert overdue["connector"] == "moodle" and overdue["waiting_s"] >= 3 * 3600
    assert "its cron deletes the account" in overdue["note"]
    text = site.ok("status").stdout
    assert f"overdue: push {overdue['id']} in moodle has waited 3 h (more than 2h)" in text


def test_the_daemon_warns_once_when_a_request_becomes_overdue(
    make_site: SiteFactory, caplog: pytest.LogCaptureFixture
) -> None:
    site = make_site(daemon={"lms_request_overdue": "2h"})
    uid = erase_first_student(site)
    worker = PushWorker(site.settings, site.sessions, site.settings.connector_token, actor=ACTOR)

    def waited(age: timedelta, *, polled_at: timedelta) -> list[str]:
        """Poll a push created ``age`` ago whose previous poll was ``polled_at`` after that
        (``privacy_poll`` is 0 here, so that is when it fell due)."""
        created = utcnow() - age
        with site.sessions() as session, session.begin():
            session.execute(
                sa.update(OutboxCommand)
                .where(OutboxCommand.lms_user_id == uid, OutboxCommand.action == "privacy_delete")
                .values(created_at=created, next_attempt_at=created + polled_at)
            )
        caplog.clear()
        root = logging.getLogger()
        root.addHandler(caplog.handler)  # the CLI runs above replaced the root's handlers
        try:
            with caplog.at_level(logging.WARNING, logger="bridge.services.push.worker"):
                assert worker.run_once().waiting == 1
        finally:
            root.removeHandler(caplog.handler)
        return [r.getMessage() for r in caplog.records if "overdue" in r.getMessage()]

    try:
        assert waited(timedelta(hours=1), polled_at=timedelta(minutes=59)) == []
        [alert] = waited(timedelta(hours=2, minutes=1), polled_at=timedelta(minutes=119))
        assert "waiting on the LMS for more than 2h" in alert and "its cron deletes" in alert
        # past the limit at the previous poll too: said once; `bridge status` keeps showing it
        assert waited(timedelta(hours=5), polled_at=timedelta(hours=4)) == []
    finally:
        worker.close()
