"""The companion plugin's service on the simulator: what its set-up makes of a site.

After the set-up (``plugin_setup``), ``core_webservice_get_site_info`` lists exactly the
functions a real Moodle 4.5 listed for the plugin's service, per mode
(``tests/fixtures/moodle-live/core_webservice_get_site_info__plugin_service*.json``), the
role holds exactly the plugin's capabilities, and ``bridge check`` passes on that site.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses
from pydantic import SecretStr

from connectors.base import CheckReport
from connectors.moodle.config import MoodleConfig
from connectors.moodle.connector import MoodleConnector
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator import plugin_setup as setup
from connectors.moodle.simulator.access import default_service_functions
from connectors.moodle.simulator.inprocess import mount
from tests.plugin import php
from tests.simulator import scenarios
from tests.simulator.shapes import compare_answers

URL = "https://moodle.test"
SETUP = "php local/registrybridge/cli/setup.php"
LIVE = Path(__file__).resolve().parents[1] / "fixtures" / "moodle-live"


def _live(case: str) -> dict[str, Any]:
    path = LIVE / f"core_webservice_get_site_info__{case}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _live_functions(case: str) -> list[str]:
    return sorted(f["name"] for f in _live(case)["response"]["json"]["functions"])


def _site_functions(sim: SimulatedMoodle) -> list[str]:
    return sorted(f["name"] for f in sim.call("core_webservice_get_site_info")["functions"])


@pytest.fixture
def sim() -> SimulatedMoodle:
    return SimulatedMoodle("tiny", seed=1)


def _check(sim: SimulatedMoodle, **config: Any) -> CheckReport:
    """``bridge check`` of the connector against the site, mounted for this one run."""
    settings = MoodleConfig(url=URL, token=SecretStr(sim.token), max_retries=0, **config)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mount(sim, mocked, URL)
        return MoodleConnector(settings).check()


# --------------------------------------------------------------------------- the lists


def test_the_lists_are_the_plugins() -> None:
    source = php.read("classes/local/setup.php")
    assert sorted(setup.SERVICE_FUNCTIONS) == php.constant(source, "FUNCTIONS")
    assert sorted(setup.ROLE_CAPABILITIES) == php.constant(source, "CAPABILITIES")
    assert list(setup.MODES) == php.constant(source, "MODES")
    for mode, added in php.constant(source, "MODE_FUNCTIONS").items():  # type: ignore[union-attr]
        assert sorted(setup.MODE_FUNCTIONS[mode]) == added, mode
    for mode, added in php.constant(source, "MODE_CAPABILITIES").items():  # type: ignore[union-attr]
        assert sorted(setup.MODE_CAPABILITIES[mode]) == added, mode
    assert sorted(setup.OPTIONAL_CAPABILITIES) == php.constant(source, "OPTIONAL_CAPABILITIES")


# --------------------------------------------------------------------------- the site info


def test_the_default_site_keeps_the_service_made_by_hand() -> None:
    sim = scenarios.recorded_site()
    assert set(_site_functions(sim)) == default_service_functions()
    assert "core_enrol_get_users_courses" not in _site_functions(sim)


def test_site_info_lists_the_plugins_service_as_a_real_moodle_did() -> None:
    sim = scenarios.recorded_site()
    result = sim.plugin_setup()
    assert result["modes"] == ["suspend"] and result["changed"]
    assert _site_functions(sim) == _live_functions("plugin_service")
    status, headers, body = scenarios.replay(
        sim, "core_webservice_get_site_info__normal", scenarios.Scenario()
    )
    # The live recording keeps no headers: those of the recorded normal answer.
    normal = scenarios.load("core_webservice_get_site_info__normal")["response"]
    recorded = {**_live("plugin_service")["response"], "headers": normal["headers"]}
    problems = compare_answers(recorded, status, headers, body)
    assert not problems, problems


def test_each_mode_adds_its_function_and_a_mode_left_out_is_taken_away() -> None:
    sim = scenarios.recorded_site()
    sim.plugin_setup(mode="delete_user")
    assert _site_functions(sim) == sorted({*_live_functions("plugin_service"),
                                           "core_user_delete_users"})  # fmt: skip
    assert "moodle/user:delete" in sim.state.capabilities_of(sim.state.service_userid)
    sim.plugin_setup(mode="delete_user,suspend_and_unenrol")
    assert _site_functions(sim) == _live_functions("plugin_service_all_modes")
    sim.plugin_setup()  # without --mode: the modes of the last run
    assert _site_functions(sim) == _live_functions("plugin_service_all_modes")
    sim.plugin_setup(mode="suspend")
    assert _site_functions(sim) == _live_functions("plugin_service")
    assert "moodle/user:delete" not in sim.state.capabilities_of(sim.state.service_userid)


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown mode 'unenrol'"):
        scenarios.recorded_site().plugin_setup(mode="unenrol")


# ------------------------------------------------------------------- what the set-up changes


def test_a_second_run_changes_nothing_and_check_changes_nothing(sim: SimulatedMoodle) -> None:
    assert sim.plugin_setup()["changed"]
    assert sim.plugin_setup()["changed"] == []
    sim.remove_capability("moodle/site:readallmessages")
    sim.grant_capability("moodle/site:maintenanceaccess")  # the one extra an admin may allow
    assert sim.plugin_setup(check=True)["check"] == ["the role's capabilities differ"]
    assert "moodle/site:readallmessages" not in sim.state.capabilities_of(sim.state.service_userid)
    assert sim.plugin_setup()["changed"] == ["the role's capabilities differ"]
    caps = sim.state.capabilities_of(sim.state.service_userid)
    assert caps == set(setup.ROLE_CAPABILITIES) | {"moodle/site:maintenanceaccess"}


def test_the_set_up_repairs_what_bridge_check_finds(sim: SimulatedMoodle) -> None:
    sim.plugin_setup()
    assert _check(sim).ok
    sim.configure(contactdataprotectionofficer=False, dpo_role_mapped=False)
    sim.remove_function("mod_assign_get_grades")
    sim.remove_capability("moodle/site:viewparticipants")
    report = _check(sim)
    assert not report.ok
    assert all(c.fix and c.fix.startswith(f"Run {SETUP}")
               for c in report.checks if not c.ok and not c.warning)  # fmt: skip
    changed = sim.plugin_setup()["changed"]
    assert set(changed) == {"the service's functions differ", "the role's capabilities differ",
                            "'Contact the privacy officer' is off",
                            "the role is not a privacy officer role"}  # fmt: skip
    assert _check(sim).ok


def test_the_set_up_turns_web_services_on_and_repairs_the_account(sim: SimulatedMoodle) -> None:
    sim.disable_webservices()
    sim.break_service_user("forcepasswordchange")
    changed = sim.plugin_setup()["changed"]
    assert "web services are disabled" in changed
    assert "the service user must change its password" in changed
    assert _check(sim).ok


@pytest.mark.parametrize(
    ("mode", "settings"),
    [("delete_user", {"erasure": "delete_user"}),
     ("suspend_and_unenrol", {"revoke_access": "suspend_and_unenrol"})],
)
def test_bridge_check_passes_on_each_modes_service(
    sim: SimulatedMoodle, mode: str, settings: dict[str, str]
) -> None:
    sim.plugin_setup()
    assert not _check(sim, **settings).ok  # the mode's function is not in the default service
    sim.plugin_setup(mode=mode)
    assert _check(sim, **settings).ok


def test_the_read_back_lists_the_courses_left_through_the_plugins_service(
    sim: SimulatedMoodle,
) -> None:
    sim.plugin_setup()
    learner = next(u for u in sim.state.users.values()
                   if any(sim.state.enrolments_of(u.id, c) for c in sim.state.courses))  # fmt: skip
    listed = sim.call("core_enrol_get_users_courses", userid=learner.id, returnusercount=0)
    now = sim.state.now()
    expected = sorted(c for c in sim.state.courses
                      if any(e.is_active(now) for e in sim.state.enrolments_of(learner.id, c)))
    assert [c["id"] for c in listed] == expected and expected


@pytest.mark.parametrize(
    ("function", "settings", "mode"),
    [
        ("core_user_delete_users", {"erasure": "delete_user"}, "--mode=delete_user"),
        ("enrol_manual_unenrol_users", {"revoke_access": "suspend_and_unenrol"},
         "--mode=suspend_and_unenrol"),
    ],
)
def test_a_function_of_another_mode_names_the_set_up_mode_that_adds_it(
    sim: SimulatedMoodle, function: str, settings: dict[str, str], mode: str
) -> None:
    sim.remove_function(function)
    fix = next(c for c in _check(sim, **settings).checks if c.name == "functions").fix or ""
    assert fix.startswith(f"Run {SETUP} {mode} on the Moodle server"), fix
