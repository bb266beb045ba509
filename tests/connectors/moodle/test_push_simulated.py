"""Pushes against the simulated Moodle site: erasure and unenrolment end access for real."""

from __future__ import annotations

import pytest
import responses
from pydantic import SecretStr

from connectors.base import PushCommand
from connectors.moodle.config import MoodleConfig
from connectors.moodle.connector import MoodleConnector
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.inprocess import mount
from connectors.records import EnrolmentRecord
from tests.connectors.moodle.fake_moodle import (
    SIM_URL,
)

# --------------------------------------------------------------------------- on the simulator


@pytest.fixture
def site(rsps: responses.RequestsMock) -> tuple[SimulatedMoodle, MoodleConnector]:
    sim = SimulatedMoodle("tiny", seed=1)
    mount(sim, rsps, SIM_URL)
    config = MoodleConfig(url=SIM_URL, token=SecretStr(sim.token), max_retries=0)
    return sim, MoodleConnector(config)


def a_student(connector: MoodleConnector) -> EnrolmentRecord:
    enrolments = [r for b in connector.pull("enrolments", None) for r in b.records]
    return next(e for e in enrolments if e.roles == ("student",) and e.status == "active")


def test_erasure_on_the_simulator_ends_access_at_once_and_completes_after_cron(
    site: tuple[SimulatedMoodle, MoodleConnector],
) -> None:
    sim, moodle = site
    person = a_student(moodle).lms_user_id
    first = moodle.push(PushCommand("privacy_delete", person))
    assert first.outcome == "pending" and first.lms_request_id is not None
    assert moodle.read_state(person).suspended is True
    again = moodle.push(PushCommand("privacy_delete", person))  # the answer above was lost
    assert (again.outcome, again.lms_request_id) == ("pending", first.lms_request_id)
    sim.run_cron()
    done = moodle.push(PushCommand("privacy_delete", person, lms_request_id=first.lms_request_id))
    assert done.outcome == "applied"
    assert moodle.read_state(person).exists is False


def test_repeated_delete_after_moodles_clean_up_is_already_applied(
    site: tuple[SimulatedMoodle, MoodleConnector],
) -> None:
    sim, moodle = site
    person = a_student(moodle).lms_user_id
    assert moodle.push(PushCommand("delete_user", person)).outcome == "applied"
    sim.run_context_cleanup()  # from now on get_users_by_field fails for this id
    assert moodle.push(PushCommand("delete_user", person)).outcome == "already_applied"
    assert moodle.push(PushCommand("suspend", person)).outcome == "already_applied"


def test_unenrol_on_the_simulator(site: tuple[SimulatedMoodle, MoodleConnector]) -> None:
    _sim, moodle = site
    enrolment = a_student(moodle)
    command = PushCommand("unenrol", enrolment.lms_user_id, course_ids=(enrolment.lms_course_id,))
    assert moodle.push(command).outcome == "applied"
    assert moodle.push(command).outcome == "already_applied"
    left = [r.key for b in moodle.pull("enrolments", None) for r in b.records]
    assert enrolment.key not in left
