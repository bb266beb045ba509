"""The simulator answers every recorded request of the bridge's functions like Moodle did.

One test per sample: put the ``sample-site`` in the recorded state, replay the
recorded request, compare the answer's structure (see ``shapes.py``). Samples
deliberately left out are listed, with the reason, in ``SKIPPED_SAMPLES.md``.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from connectors.moodle.functions import LOG_FUNCTION, all_functions
from tests.simulator import scenarios
from tests.simulator.shapes import compare_answers, differences, shape_of

#: Functions whose samples are compared: the bridge's, the extra readers the
#: simulator implements, and samples about the transport rather than a function.
CONTRACT_FUNCTIONS = {
    *all_functions(), "core_course_get_courses", "tool_dataprivacy_get_data_requests",
    "tool_dataprivacy_deny_data_request",
    "core_course_check_updates", "core_enrol_get_users_courses",
    "core_course_create_courses", "local_nothere_do_something", "transport",
}
SKIPPED_FILE = Path(__file__).with_name("SKIPPED_SAMPLES.md")
SHARED_SAMPLES = Path("/work/shared/moodle-samples")


def _function(name: str) -> str:
    return name.split("__", 1)[0]


def compared_samples() -> list[str]:
    return sorted(p.stem for p in scenarios.FIXTURES.glob("*.json")
                  if _function(p.stem) in CONTRACT_FUNCTIONS)


def skipped_samples() -> set[str]:
    return set(re.findall(r"^\| `([^`]+)\.json` \|", SKIPPED_FILE.read_text(), re.MULTILINE))


@pytest.mark.parametrize("name", compared_samples())
def test_simulator_answers_like_the_recording(name: str) -> None:
    sim = scenarios.recorded_site()
    scenario = scenarios.SCENARIOS.get(name, scenarios.Scenario())
    status, headers, body = scenarios.replay(sim, name, scenario)
    problems = compare_answers(scenarios.load(name)["response"], status, headers, body)
    assert not problems, "\n".join(problems)


def test_log_reader_of_an_uninstalled_plugin_fails_like_any_missing_function() -> None:
    sim = scenarios.recorded_site()
    sim.set_plugin_installed(False)
    name = "local_nothere_do_something__error_function_not_installed"
    answer = scenarios.replay(sim, name, scenarios.Scenario(function=LOG_FUNCTION))
    assert not compare_answers(scenarios.load(name)["response"], *answer)


def test_every_scenario_names_a_compared_sample() -> None:
    assert set(scenarios.SCENARIOS) <= set(compared_samples())


def test_every_sample_is_compared_or_skipped_with_a_reason() -> None:
    compared, skipped = set(compared_samples()), skipped_samples()
    assert not compared & skipped
    fixtures = {p.stem for p in scenarios.FIXTURES.glob("*.json")}
    assert fixtures <= compared | skipped
    if SHARED_SAMPLES.is_dir():
        recorded = {p.stem for p in SHARED_SAMPLES.glob("*.json")}
        assert recorded == compared | skipped


# ---------------------------------------------------------------- the comparison can fail

USERS = "core_user_get_users_by_field__by_id_multiple"


def _mutated(mutate) -> list[str]:
    """Compare the recording with a mutated copy of itself (as if the simulator sent it)."""
    recorded = scenarios.load(USERS)["response"]["json"]
    changed = copy.deepcopy(recorded)
    mutate(changed)
    return differences(shape_of(recorded), shape_of(changed))


def test_identical_answers_have_no_differences() -> None:
    assert _mutated(lambda users: None) == []


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (lambda users: [u.pop("suspended") for u in users], "$[].suspended: key absent"),
        (lambda users: [u.update(suspended=1) for u in users], "$[].suspended: type ['int']"),
        (lambda users: [u.update(idnumber=None) for u in users], "$[].idnumber: type ['null']"),
        (lambda users: [u.update(address="") for u in users], "$[].address: key not in"),
        (lambda users: [u.update(customfields=[]) for u in users], "$[].customfields: list empty"),
        (lambda users: users[0].update(id="3"), "$[].id: type ['str']"),
    ],
    ids=["key dropped", "bool became int", "absent became null", "extra key", "empty list",
         "int became string"],
)
def test_a_structural_difference_is_reported(mutation, expected: str) -> None:
    problems = _mutated(mutation)
    assert any(p.startswith(expected) for p in problems), problems


def test_a_different_error_code_is_reported() -> None:
    recorded = scenarios.load("core_user_get_users__error_key_twice")["response"]
    body = b'{"exception": "core\\\\exception\\\\moodle_exception", "errorcode": "other", ' \
           b'"message": "x"}'
    problems = compare_answers(recorded, 200, {"Content-type": "application/json"}, body)
    assert problems == ["errorcode 'other' != recorded 'keyalreadyset'"]


def test_a_json_answer_instead_of_a_403_is_reported() -> None:
    recorded = scenarios.load("core_webservice_get_site_info__error_ws_disabled_403")["response"]
    problems = compare_answers(recorded, 200, {"Content-type": "application/json"}, b"{}")
    assert problems and problems[0].startswith("status 200")
