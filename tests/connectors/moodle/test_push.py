"""Pushes to Moodle: idempotent, verified by read-back, errors classified (CONTRACTS 6, 13)."""

from __future__ import annotations

from typing import Any

import responses

from bridge.services.push.verdict import judge
from connectors.base import PushCommand
from tests.connectors.moodle.fake_accounts import Accounts, push, sent
from tests.connectors.moodle.fake_moodle import (
    FakeMoodle,
    answer,
    connector,
    listed_pairs,
    options,
    roster,
)

# --------------------------------------------------------------------------- suspend


def test_suspend_is_applied_and_read_back(moodle: FakeMoodle, accounts: Accounts) -> None:
    result = push("suspend", 5)
    assert result.outcome == "applied"
    assert accounts.users[5]["suspended"] is True
    assert sent(moodle) == ["core_user_get_users", "core_user_update_users", "core_user_get_users"]
    assert moodle.params("core_user_update_users") == [
        {"users[0][id]": "5", "users[0][suspended]": "1"}
    ]


def test_suspending_twice_is_already_applied_without_a_write(
    moodle: FakeMoodle, accounts: Accounts
) -> None:
    assert push("suspend", 5).outcome == "applied"
    moodle.calls.clear()
    assert push("suspend", 5).outcome == "already_applied"
    assert sent(moodle) == ["core_user_get_users"]


def test_unsuspend(moodle: FakeMoodle, accounts: Accounts) -> None:
    assert push("unsuspend", 9).outcome == "applied"  # leevi's account is suspended
    assert accounts.users[9]["suspended"] is False
    assert push("unsuspend", 9).outcome == "already_applied"


def test_suspending_an_account_that_no_longer_exists(
    moodle: FakeMoodle, accounts: Accounts
) -> None:
    assert push("suspend", 99999).outcome == "already_applied"
    assert push("unsuspend", 99999).outcome == "terminal_error"


def test_a_refused_update_is_a_terminal_error_naming_the_code(
    moodle: FakeMoodle, accounts: Accounts
) -> None:
    result = push("suspend", 2)
    assert result.outcome == "terminal_error" and "usernotupdatedadmin" in result.reason


def test_a_server_failure_is_transient(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, "https://moodle.example.test/webservice/rest/server.php", status=502)
    result = push("suspend", 5)
    assert result.outcome == "transient_error" and "502" in result.reason


# --------------------------------------------------------------------------- delete


def test_delete_user_suspends_first_then_deletes_one_id(
    moodle: FakeMoodle, accounts: Accounts
) -> None:
    result = push("delete_user", 5)
    assert result.outcome == "applied" and 5 not in accounts.users
    assert sent(moodle) == [
        "core_user_get_users",
        "core_user_update_users",
        "core_user_delete_users",
        "core_user_get_users",
    ]
    assert moodle.params("core_user_delete_users") == [{"userids[0]": "5"}]
    assert push("delete_user", 5).outcome == "already_applied"


# --------------------------------------------------------------------------- unenrol


def serve_active_rosters(
    moodle: FakeMoodle, rosters: dict[int, list[int]], manual: set[int]
) -> None:
    """Active rosters per course; ``manual`` courses are those where the enrolment is manual."""

    def active(params: dict[str, Any]) -> Any:
        assert options(params)["onlyactive"] == "1"
        rows = [{"id": i} for i in rosters[int(params["courseid"])]]
        return roster(rows)(params)

    def unenrol(params: dict[str, Any]) -> Any:
        user = int(params["enrolments[0][userid]"])
        for course in map(int, listed_pairs(params, "enrolments", "courseid")):
            if course in manual and user in rosters[course]:
                rosters[course].remove(user)
        return None

    moodle.on("core_enrol_get_enrolled_users", active)
    moodle.on("enrol_manual_unenrol_users", unenrol)


def test_unenrol_removes_manual_enrolments_and_verifies_per_course(moodle: FakeMoodle) -> None:
    serve_active_rosters(moodle, {3: [3, 17, 18], 4: [4, 5]}, manual={3, 4})
    result = push("unenrol", 18, course_ids=(3, 4))
    assert result.outcome == "applied"
    assert moodle.params("enrol_manual_unenrol_users") == [
        {"enrolments[0][userid]": "18", "enrolments[0][courseid]": "3"}
    ]
    assert push("unenrol", 18, course_ids=(3, 4)).outcome == "already_applied"


def test_unenrol_reports_a_self_enrolment_it_cannot_remove_and_the_worker_fails_it(
    moodle: FakeMoodle,
) -> None:
    serve_active_rosters(moodle, {4: [4, 5]}, manual=set())
    command = PushCommand("unenrol", 5, course_ids=(4,))
    result = push("unenrol", 5, course_ids=(4,))
    assert result.state is not None and result.state.active_course_ids == (4,)
    outcome = judge(command, result)
    assert outcome.state == "failed" and "[4]" in outcome.reason


# --------------------------------------------------------------------------- rectify


def test_rectify_writes_the_fields_and_reads_them_back(
    moodle: FakeMoodle, accounts: Accounts
) -> None:
    changes = {"city": "Hamina", "custom_fields": {"employer": "Haminan Satama Oy"}}
    result = push("rectify", 17, changes=changes)
    assert result.outcome == "applied"
    assert moodle.params("core_user_update_users") == [
        {
            "users[0][id]": "17",
            "users[0][city]": "Hamina",
            "users[0][customfields][0][type]": "employer",
            "users[0][customfields][0][value]": "Haminan Satama Oy",
        }
    ]
    assert result.state is not None
    assert result.state.fields == {
        "city": "Hamina", "custom_fields": {"employer": "Haminan Satama Oy"}
    }
    assert judge(PushCommand("rectify", 17, changes=changes), result).state == "done"
    assert push("rectify", 17, changes=changes).outcome == "already_applied"


def test_rectify_refused_by_moodle_names_the_warning(
    moodle: FakeMoodle, accounts: Accounts
) -> None:
    result = push("rectify", 17, changes={"email": "eero.makinen@example.fi"})
    assert result.outcome == "terminal_error" and "useremailduplicate" in result.reason


def test_rectify_of_an_unknown_field_sends_nothing(moodle: FakeMoodle, accounts: Accounts) -> None:
    result = push("rectify", 17, changes={"deleted": 1})
    assert result.outcome == "terminal_error" and "deleted" in result.reason
    assert moodle.count("core_user_update_users") == 0


# --------------------------------------------------------------------------- read-back and check


def test_read_state(moodle: FakeMoodle, accounts: Accounts) -> None:
    moodle.on("core_enrol_get_users_courses", answer("core_enrol_get_users_courses__normal"))
    state = connector().read_state(5)
    assert (state.exists, state.suspended, state.active_course_ids) == (True, False, (2, 4))
    assert state.fields["email"] == "eero.makinen@example.fi"
    assert state.fields["custom_fields"]["employer"] == "Kaukokiito Logistiikka Oy"
    [asked] = moodle.params("core_enrol_get_users_courses")
    assert asked == {"userid": "5", "returnusercount": "0"}
    assert connector().read_state(99999).exists is False


def test_check_reports_missing_functions_and_the_missing_plugin(moodle: FakeMoodle) -> None:
    report = connector().check()
    by_name = {c.name: c for c in report.checks}
    assert report.lms_version == "2024090300"
    assert by_name["functions"].ok  # the recorded service holds every function the bridge calls
    assert not by_name["companion plugin"].ok and not by_name["companion plugin"].warning
    assert not report.ok


def test_check_fails_when_the_service_lacks_a_function(rsps: responses.RequestsMock) -> None:
    site = answer("core_webservice_get_site_info__normal")
    site["functions"] = [f for f in site["functions"] if f["name"] != "mod_assign_get_grades"]
    FakeMoodle(rsps, site)
    report = connector().check()
    functions = next(c for c in report.checks if c.name == "functions")
    assert not report.ok and "mod_assign_get_grades" in functions.detail and functions.fix
