"""A 1,000-learner course on a simulator that costs what the real Moodle 4.5 costs
(``bench-real`` with the cost model): it syncs with the default settings, its gradebook a
bounded page at a time; without the plugin's reader, the user report Moodle does not answer
in time is asked once, the stream stops and says so in the JSON and in ``bridge status``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.moodle.functions import GRADES_FUNCTION
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.costs import CostModel
from connectors.moodle.simulator.server import running_server
from tests.cli import run
from tests.configs import write_config
from tests.sync.test_change_hints import record_calls

pytestmark = [pytest.mark.registry, pytest.mark.slow]

REPORT = "gradereport_user_get_grade_items"
STREAMS = ("--streams", "courses,enrolments,gradebook")


def big_course(sim: SimulatedMoodle) -> int:
    return next(c.id for c in sim.state.courses.values() if c.shortname == "PERFM1")


def sync(config: Path, *args: str) -> tuple[int, dict]:
    outcome = run("sync", "--json", *args, config=config)
    return outcome.exit_code, json.loads(outcome.last_line)


def test_a_1000_learner_course_syncs_with_the_default_settings(tmp_path, db_url) -> None:
    sim = SimulatedMoodle("bench-real")
    course = big_course(sim)
    assert len(sim.state.course_enrolments[course]) > 1000
    with running_server(sim, costs=CostModel()) as url:
        config = write_config(tmp_path, db_url, moodle_url=url, token=sim.token)
        calls = record_calls(sim)
        code, summary = sync(config, "--full", *STREAMS)
    assert code == 0 and summary["status"] == "ok"
    assert summary["streams"]["enrolments"]["fetched"] >= 2000
    assert summary["streams"]["gradebook"]["fetched"] > 0
    assert REPORT not in {name for name, _ in calls}
    pages = [f for name, f in calls if name == GRADES_FUNCTION and f["courseid"] == [str(course)]]
    assert len(pages) > 1  # the big course's grades came in pages the bridge bounds


def test_a_report_moodle_does_not_answer_in_time_is_asked_once_and_the_stream_says_so(
    tmp_path, db_url
) -> None:
    sim = SimulatedMoodle("bench-real")
    sim.remove_function(GRADES_FUNCTION)  # the core path: one user report per course
    course = big_course(sim)
    with running_server(sim, costs=CostModel()) as url:
        # The report of 1,000 learners costs about 100 s; a shorter timeout than the
        # default only makes the test quicker: any timeout under 100 s cuts it.
        config = write_config(tmp_path, db_url, moodle_url=url, token=sim.token,
                              connector_extra='timeout = "3s"\n')
        calls = record_calls(sim)
        code, summary = sync(config, "--full", *STREAMS)
        status = json.loads(run("status", "--json", config=config).last_line)
    asked = [f for name, f in calls if name == REPORT and f["courseid"] == [str(course)]]
    assert len(asked) == 1  # never sent again, where other transient failures are retried
    gradebook = summary["streams"]["gradebook"]
    assert code == 1 and summary["status"] == "partial"
    assert gradebook["status"] == "failed" and "not sent again" in gradebook["error"]
    assert summary["streams"]["enrolments"].get("status", "ok") == "ok"
    last_run = status["connectors"]["moodle"]["last_run"]
    assert last_run["streams"]["gradebook"]["status"] == "failed"
