"""The streams against the simulated Moodle site: incremental pulls, non-persons, the log plugin."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from pydantic import SecretStr

from connectors.base import StreamUnavailable
from connectors.moodle.config import MoodleConfig
from connectors.moodle.connector import MoodleConnector
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.inprocess import mount
from connectors.records import (
    AssignmentGradeRecord,
    Batch,
    LogEntryRecord,
    MessageRecord,
    SubmissionRecord,
    UserRecord,
)
from tests.connectors.moodle.fake_moodle import (
    SIM_URL,
    records,
)

# --------------------------------------------------------------------------- on the simulator


@pytest.fixture
def sim(rsps: responses.RequestsMock) -> SimulatedMoodle:
    simulated = SimulatedMoodle("tiny", seed=1)
    mount(simulated, rsps, SIM_URL)
    return simulated


def sim_pull(sim: SimulatedMoodle, stream: str, bookmark: Any = None) -> list[Batch]:
    config = MoodleConfig(url=SIM_URL, token=SecretStr(sim.token), max_retries=0)
    return list(MoodleConnector(config).pull(stream, bookmark))


@pytest.mark.parametrize(
    ("stream", "kind", "cursor"),
    [
        ("submissions", SubmissionRecord, "since"),
        ("assignment_grades", AssignmentGradeRecord, "since"),
        ("messages", MessageRecord, "timefrom"),
    ],
)
def test_an_incremental_pull_reads_what_changed_since_the_bookmark(
    sim: SimulatedMoodle, stream: str, kind: type, cursor: str
) -> None:
    full = sim_pull(sim, stream)
    assert full[-1].complete and records(full, kind)
    bookmark = full[-1].checkpoint
    assert bookmark is not None
    touched = sim.touch(2)
    later_on = sim.state.now() + 5  # Moodle hides messages of the current second (ref. 2.19)
    sim.state.clock = lambda: later_on
    later = sim_pull(sim, stream, bookmark)
    key = {"submissions": "submissions", "assignment_grades": "grades", "messages": "messages"}
    changed = {r.key[0] for r in records(later, kind)}
    assert set(touched[key[stream]]) <= changed
    assert len(changed) < len(records(full, kind)) + len(touched[key[stream]])
    assert later[-1].checkpoint[cursor] > bookmark[cursor] and not later[-1].complete


def test_the_simulated_site_has_no_non_persons_in_users(sim: SimulatedMoodle) -> None:
    users = records(sim_pull(sim, "users"), UserRecord)
    assert users and not {u.username for u in users} & {"guest", "admin"}
    assert all(u.auth != "webservice" for u in users)


def test_logs_skip_when_the_companion_plugin_is_uninstalled(sim: SimulatedMoodle) -> None:
    assert records(sim_pull(sim, "logs"), LogEntryRecord)
    sim.set_plugin_installed(False)
    with pytest.raises(StreamUnavailable):
        sim_pull(sim, "logs")
