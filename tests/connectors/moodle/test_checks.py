"""`bridge check`'s diagnosis against the simulator: every missing piece names its fix."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from pydantic import SecretStr

from connectors.base import Check, CheckReport
from connectors.moodle import functions as fn
from connectors.moodle.checks import needed_functions, unprobed_capabilities
from connectors.moodle.config import MoodleConfig
from connectors.moodle.connector import MoodleConnector
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.inprocess import mount

URL = "https://moodle.test"
ROLE_PATH = "Site administration > Users > Permissions > Define roles"
SERVICE_PATH = "Site administration > Server > Web services > External services"
#: The companion plugin's set-up: every fix on the Moodle side names it first.
SETUP = "php local/registrybridge/cli/setup.php"
SETUP_PAGE = "Site administration > Plugins > Local plugins > LMS registry bridge: set-up"


@pytest.fixture
def sim() -> Iterator[SimulatedMoodle]:
    site = SimulatedMoodle("tiny", seed=1)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mount(site, rsps, URL)
        yield site


def diagnose(sim: SimulatedMoodle, token: str | None = None, **config: Any) -> CheckReport:
    settings = MoodleConfig(url=URL, token=SecretStr(token or sim.token), max_retries=0, **config)
    return MoodleConnector(settings).check()


def by_name(report: CheckReport) -> dict[str, Check]:
    return {c.name: c for c in report.checks}


def failed(report: CheckReport) -> dict[str, Check]:
    return {c.name: c for c in report.checks if not c.ok and not c.warning}


# --------------------------------------------------------------------------- the full token

ALL_PROBES = {
    "connection",
    "service user is not a site admin",
    "functions",
    "gradebook reader",
    "change fingerprints",
    "erasure read-back",
    "service account",
    "site roster",
    "course access",
    "gradebook",
    "teacher lookup",
    "messages",
    "assignments",
    "data requests",
    "companion plugin",
    "form fields (max_input_vars)",
}


def test_a_full_token_passes_every_check(sim: SimulatedMoodle) -> None:
    report = diagnose(sim)
    assert report.ok, [c for c in report.checks if not c.ok]
    assert report.lms_version == "2024090300"
    assert set(by_name(report)) == ALL_PROBES
    assert all(c.ok and c.fix is None for c in report.checks)
    assert "4.5" in by_name(report)["connection"].detail


def test_only_the_probes_of_enabled_streams_and_modes_run(sim: SimulatedMoodle) -> None:
    report = diagnose(sim, streams=("users",), erasure="delete_user")
    assert report.ok
    assert set(by_name(report)) == {
        "connection",
        "service user is not a site admin",
        "functions",
        "change fingerprints",
        "erasure read-back",
        "service account",
        "form fields (max_input_vars)",
        "site roster",
    }


def _requests_of_a_check(size: str) -> int:
    site = SimulatedMoodle(size, seed=1)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mount(site, rsps, URL)
        connector = MoodleConnector(MoodleConfig(url=URL, token=SecretStr(site.token)))
        assert connector.check().ok
        return connector.request_count


def test_the_check_costs_the_same_few_requests_whatever_the_site_size() -> None:
    # Site info, the account, two rosters, the course list, grades, teachers, messages,
    # the assignment list and its submissions, the privacy settings, the plugin.
    assert _requests_of_a_check("tiny") == _requests_of_a_check("demo") == 12


# --------------------------------------------------------------------------- what is missing


def test_a_missing_function_names_it_and_the_service(sim: SimulatedMoodle) -> None:
    sim.remove_function("mod_assign_get_grades")
    report = diagnose(sim)
    functions = failed(report)["functions"]
    assert "mod_assign_get_grades (stream assignment_grades)" in functions.detail
    # The plugin's set-up repairs its service; the manual step comes second.
    assert functions.fix and functions.fix.startswith(f"Run {SETUP}")
    assert SETUP_PAGE in functions.fix
    assert "add mod_assign_get_grades" in functions.fix
    assert SERVICE_PATH in functions.fix and "step A6" in functions.fix
    assert functions.fix.index(SETUP) < functions.fix.index(SERVICE_PATH)
    assert not report.ok


def test_a_missing_push_function_names_the_setting_that_needs_it(sim: SimulatedMoodle) -> None:
    sim.remove_function("tool_dataprivacy_get_access_information")
    detail = failed(diagnose(sim))["functions"].detail
    assert "tool_dataprivacy_get_access_information (erasure=privacy_request)" in detail
    assert diagnose(sim, erasure="delete_user").ok


def test_a_missing_learner_request_function_names_what_needs_it(sim: SimulatedMoodle) -> None:
    """Learners' own requests are read and answered whatever the push modes."""
    sim.remove_function("tool_dataprivacy_deny_data_request")
    for erasure in ("privacy_request", "delete_user"):
        detail = failed(diagnose(sim, erasure=erasure))["functions"].detail
        assert "tool_dataprivacy_deny_data_request (learners' own data requests)" in detail


@pytest.mark.parametrize(
    ("function", "probe"),
    [
        ("gradereport_user_get_grade_items", "gradebook"),
        ("core_course_get_courses_by_field", "course access"),
    ],
)
def test_a_probe_whose_function_is_missing_is_a_warning_not_a_second_failure(
    sim: SimulatedMoodle, function: str, probe: str
) -> None:
    sim.remove_function(function)
    report = diagnose(sim)
    assert set(failed(report)) == {"functions"}
    skipped = by_name(report)[probe]
    assert skipped.warning and f"not probed: {function}" in skipped.detail


def test_missing_readallmessages_fails_the_messages_check(sim: SimulatedMoodle) -> None:
    sim.remove_capability("moodle/site:readallmessages")
    report = diagnose(sim)
    assert set(failed(report)) == {"messages"}
    fix = failed(report)["messages"].fix or ""
    assert "allow moodle/site:readallmessages" in fix and ROLE_PATH in fix


def test_missing_course_view_says_both_causes_and_which_one_it_is(sim: SimulatedMoodle) -> None:
    sim.remove_capability("moodle/course:view")
    report = diagnose(sim)
    course = failed(report)["course access"]
    assert "errorcoursecontextnotvalid" in course.detail
    assert course.fix and "moodle/course:view" in course.fix
    assert "not fully set up" in course.fix  # Moodle's code has two causes: both are named
    assert "so it is the capability" in course.fix  # the system-context probe decided
    assert by_name(report)["service account"].ok
    # Later course-level probes share the cause instead of repeating the whole story.
    assert "same cause" in (failed(report)["gradebook"].fix or "")


def test_a_service_user_not_fully_set_up_is_told_apart(sim: SimulatedMoodle) -> None:
    sim.break_service_user("usernotfullysetup")
    report = diagnose(sim)
    account = failed(report)["service account"]
    assert "usernotfullysetup" in account.detail
    assert account.fix and "email" in account.fix
    assert "course access" not in by_name(report)  # every probe would fail the same way


def test_missing_grade_viewall_fails_the_gradebook_check(sim: SimulatedMoodle) -> None:
    sim.remove_capability("moodle/grade:viewall")
    report = diagnose(sim)
    assert set(failed(report)) == {"gradebook"}
    assert "moodle/grade:viewall" in (failed(report)["gradebook"].fix or "")


def test_missing_assignment_grading_rights_fail_the_assignments_check(sim: SimulatedMoodle) -> None:
    """``mod_assign_get_submissions`` reports this as warning "1", not as an error."""
    sim.remove_capability("mod/assign:viewgrades")
    sim.remove_capability("mod/assign:grade")
    report = diagnose(sim)
    assert set(failed(report)) == {"assignments"}
    assert "mod/assign:viewgrades" in (failed(report)["assignments"].fix or "")


def test_missing_viewparticipants_fails_the_site_roster(sim: SimulatedMoodle) -> None:
    sim.remove_capability("moodle/site:viewparticipants")
    report = diagnose(sim)
    assert set(failed(report)) == {"site roster"}
    fix = failed(report)["site roster"].fix or ""
    assert fix.startswith(f"Run {SETUP} ") and "it repairs the role" in fix
    assert "allow moodle/site:viewparticipants in the service user's role" in fix
    assert ROLE_PATH in fix and "step A4" in fix


def test_an_uninstalled_plugin_fails_its_check_with_the_install_steps(sim: SimulatedMoodle) -> None:
    sim.set_plugin_installed(False)
    report = diagnose(sim)
    plugin = failed(report)["companion plugin"]
    assert "not installed" in plugin.detail and "skipped" in plugin.detail
    assert plugin.fix and "local_registrybridge" in plugin.fix
    assert "Site administration > Plugins > Install plugins" in plugin.fix
    assert fn.LOG_FUNCTION in plugin.fix
    assert plugin.fix.index(SETUP) < plugin.fix.index(SERVICE_PATH)  # the manual step second
    assert by_name(report)["functions"].ok  # the plugin's function is its own check
    assert not report.ok


def test_the_plugin_check_needs_its_capabilities(sim: SimulatedMoodle) -> None:
    sim.remove_capability("local/registrybridge:readlogs")
    plugin = failed(diagnose(sim))["companion plugin"]
    assert plugin.fix and "local/registrybridge:readlogs" in plugin.fix


def test_without_the_logs_stream_the_plugin_is_not_needed(sim: SimulatedMoodle) -> None:
    sim.set_plugin_installed(False)
    streams = tuple(s for s in fn.STREAM_FUNCTIONS if s != "logs")
    assert diagnose(sim, streams=streams).ok


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"contactdataprotectionofficer": False}, "contactdataprotectionofficer"),
        ({"dpo_role_mapped": False}, "Privacy officer role mapping"),
    ],
)
def test_privacy_requests_need_the_dpo_settings(
    sim: SimulatedMoodle, settings: dict[str, bool], expected: str
) -> None:
    sim.configure(**settings)
    report = diagnose(sim)
    assert set(failed(report)) == {"data requests"}
    assert expected in (failed(report)["data requests"].fix or "")
    assert diagnose(sim, erasure="delete_user").ok  # only privacy_request needs them


def test_messaging_switched_off_names_the_setting(sim: SimulatedMoodle) -> None:
    sim.configure(messaging=False)
    fix = failed(diagnose(sim))["messages"].fix or ""
    assert "Enable messaging system" in fix


# --------------------------------------------------------------------------- the connection


@pytest.mark.parametrize(
    ("breakage", "code", "fix_words"),
    [
        (lambda sim: None, "invalidtoken", "Manage tokens"),
        (lambda sim: sim.disable_webservices(), "403", "Enable web services"),
        (lambda sim: sim.break_service_user("suspended"), "wsaccessusersuspended", "Unsuspend"),
    ],
)
def test_a_broken_connection_is_one_failed_check_with_its_fix(
    sim: SimulatedMoodle,
    breakage: Callable[[SimulatedMoodle], object],
    code: str,
    fix_words: str,
) -> None:
    breakage(sim)
    token = "0" * 32 if code == "invalidtoken" else None
    report = diagnose(sim, token=token)
    [connection] = report.checks
    assert (connection.name, connection.ok, report.lms_version) == ("connection", False, None)
    assert code in connection.detail and fix_words in (connection.fix or "")
    assert not report.ok


def test_a_site_admin_token_is_a_warning_not_a_failure(sim: SimulatedMoodle) -> None:
    token = sim.create_token(2)["token"]
    # The simulator does not let admins bypass capability checks: give the admin the role.
    sim.state.capabilities[2] = set(sim.state.capabilities[sim.state.service_userid])
    report = diagnose(sim, token=token)
    admin = by_name(report)["service user is not a site admin"]
    assert not admin.ok and admin.warning and "Site administrators" in (admin.fix or "")
    assert report.ok


# --------------------------------------------------------------------------- what is needed


def test_needed_functions_follow_the_settings() -> None:
    config = MoodleConfig(url=URL, token=SecretStr("x"), streams=("users",), erasure="delete_user")
    needs = needed_functions(config)
    assert "core_user_delete_users" in needs and "tool_dataprivacy_create_data_request" not in needs
    assert "mod_assign_get_grades" not in needs and fn.LOG_FUNCTION not in needs
    assert needs["core_user_get_users"] == [
        "rectification",
        "revoke_access=suspend",
        "erasure=delete_user",
    ]


def test_write_capabilities_are_listed_as_not_probed() -> None:
    config = MoodleConfig(url=URL, token=SecretStr("x"), revoke_access="suspend_and_unenrol")
    assert unprobed_capabilities(config) == (
        "moodle/user:update",
        "enrol/manual:unenrol",
        "tool/dataprivacy:requestdeleteforotheruser",
        "tool/dataprivacy:makedatarequestsforchildren",
    )


# --------------------------------------------------------------------------- max_input_vars


def form_check(sim: SimulatedMoodle, max_input_vars: int, **config: Any) -> Check:
    """The form-field check against a site whose PHP keeps ``max_input_vars`` fields."""
    from connectors.moodle.input_vars import NAME

    sim.configure(max_input_vars=max_input_vars)
    return by_name(diagnose(sim, streams=("users",), **config))[NAME]


def test_a_site_at_moodles_requirement_passes_and_the_budget_may_grow(sim) -> None:
    check = form_check(sim, 5000)
    assert check.ok and not check.warning
    assert "at least 5000" in check.detail and "may be raised to 5000" in check.detail


def test_a_site_below_moodles_requirement_reports_its_real_limit(sim) -> None:
    check = form_check(sim, 3217)
    assert not check.ok and check.warning  # the bridge's budget of 1000 still fits
    assert "max_input_vars is 3217" in check.detail
    assert check.fix and "5000" in check.fix


def test_a_budget_above_the_sites_limit_fails_with_the_value_to_set(sim) -> None:
    check = form_check(sim, 700)
    assert not check.ok and not check.warning
    assert "max_input_vars is 700" in check.detail and "max_form_fields=1000" in check.detail
    assert check.fix and "max_form_fields = 700" in check.fix


def test_a_budget_handed_over_from_the_site_passes(sim) -> None:
    check = form_check(sim, 8000, max_form_fields=8000)
    assert check.ok and "at least 8000" in check.detail


def test_without_the_plugins_grade_reader_the_heaviest_read_is_named(
    sim: SimulatedMoodle,
) -> None:
    assert by_name(diagnose(sim))["gradebook reader"].ok
    sim.remove_function(fn.GRADES_FUNCTION)
    report = diagnose(sim)
    reader = by_name(report)["gradebook reader"]
    assert reader.warning and not reader.ok
    assert "gradereport_user_get_grade_items" in reader.detail
    assert reader.fix and fn.GRADES_FUNCTION in reader.fix and "step 1" in reader.fix
    assert SETUP in reader.fix and "step A6" in reader.fix
    assert "gradebook reader" not in failed(report)  # a warning: the sync still works


def test_without_the_plugins_fingerprints_the_cost_of_a_quiet_run_is_named(
    sim: SimulatedMoodle,
) -> None:
    assert by_name(diagnose(sim))["change fingerprints"].ok
    sim.remove_function(fn.DIGEST_FUNCTION)
    report = diagnose(sim)
    check = by_name(report)["change fingerprints"]
    assert check.warning and not check.ok and "nothing changed" in check.detail
    assert check.fix and fn.DIGEST_FUNCTION in check.fix and "1.2 or later" in check.fix
    assert "change fingerprints" not in failed(report)


def test_without_the_plugins_remains_reader_the_receipts_limit_is_named(
    sim: SimulatedMoodle,
) -> None:
    assert by_name(diagnose(sim))["erasure read-back"].ok
    sim.remove_function(fn.REMAINS_FUNCTION)
    report = diagnose(sim)
    check = by_name(report)["erasure read-back"]
    assert check.warning and not check.ok and "not read back" in check.detail
    assert check.fix and fn.REMAINS_FUNCTION in check.fix and "1.3 or later" in check.fix
    assert "erasure read-back" not in failed(report)
