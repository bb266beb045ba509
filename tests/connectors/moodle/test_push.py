"""Pushes to Moodle: idempotent, verified by read-back, errors classified (CONTRACTS 6, 13)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import responses
from pydantic import SecretStr

from connectors.base import PushCommand, PushResult
from connectors.moodle.config import MoodleConfig
from connectors.moodle.connector import MoodleConnector
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.inprocess import mount
from connectors.records import EnrolmentRecord
from tests.connectors.moodle.test_streams import (
    ALL_USERS,
    SIM_URL,
    FakeMoodle,
    answer,
    connector,
    listed,
    listed_pairs,
    moodle,
    options,
    roster,
    rsps,
)

__all__ = ["moodle", "rsps"]  # fixtures shared with the stream tests


class Accounts:
    """The user table behind ``core_user_get_users`` / ``update_users`` / ``delete_users``."""

    def __init__(self, moodle: FakeMoodle) -> None:
        self.users = copy.deepcopy(ALL_USERS)
        moodle.on("core_user_get_users", self.get)
        moodle.on("core_user_update_users", self.update)
        moodle.on("core_user_delete_users", self.delete)
        moodle.on("core_user_get_users_by_field", self.forbidden)

    def get(self, params: dict[str, Any]) -> Any:
        assert (params["criteria[0][key]"], len(params)) == ("id", 2)
        user = self.users.get(int(params["criteria[0][value]"]))
        return {"users": [user] if user else [], "warnings": []}

    def update(self, params: dict[str, Any]) -> Any:
        user_id = int(params["users[0][id]"])
        if user_id == 2:  # the recorded refusal for the admin account
            warnings = answer("core_user_update_users__suspend_batch_with_warnings")["warnings"]
            return {"warnings": [w for w in warnings if w["itemid"] == 2]}
        if params.get("users[0][email]") == "eero.makinen@example.fi":
            return answer("core_user_update_users__error_email_duplicate")
        user = self.users[user_id]
        for key, value in params.items():
            field = key.removeprefix("users[0][").rstrip("]")
            if field == "suspended":
                user["suspended"] = value == "1"
            elif "[" not in field and field != "id":
                user[field] = value
        for shortname, value in zip(
            listed_pairs(params, r"users\[0\]\[customfields\]", "type"),
            listed_pairs(params, r"users\[0\]\[customfields\]", "value"),
            strict=True,
        ):
            fields = [f for f in user.setdefault("customfields", []) if f["shortname"] != shortname]
            user["customfields"] = [*fields, {"shortname": shortname, "value": value}]
        return answer("core_user_update_users__suspend_one")

    def delete(self, params: dict[str, Any]) -> Any:
        [user_id] = [int(v) for v in listed(params, "userids")]
        if self.users.pop(user_id, None) is None:
            return answer("core_user_delete_users__error_already_deleted")
        return None

    def forbidden(self, params: dict[str, Any]) -> Any:
        raise AssertionError("pushes never look users up with core_user_get_users_by_field")


@pytest.fixture
def accounts(moodle: FakeMoodle) -> Accounts:
    return Accounts(moodle)


def push(action: str, user_id: int, **fields: Any) -> PushResult:
    return connector(max_retries=0).push(PushCommand(action, user_id, **fields))  # type: ignore[arg-type]


def sent(moodle: FakeMoodle) -> list[str]:
    return [name for name, _, _ in moodle.calls if name != "core_webservice_get_site_info"]


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


def test_unenrol_cannot_remove_a_self_enrolment(moodle: FakeMoodle) -> None:
    serve_active_rosters(moodle, {4: [4, 5]}, manual=set())
    result = push("unenrol", 5, course_ids=(4,))
    assert result.outcome == "terminal_error" and "[4]" in result.reason


# --------------------------------------------------------------------------- privacy requests


class DataRequests:
    """``tool_dataprivacy_*`` for one delete request of niilo (19), recorded shapes."""

    def __init__(self, moodle: FakeMoodle, accounts: Accounts, *, dpo: bool = True) -> None:
        self.accounts, self.dpo = accounts, dpo
        self.request = answer("tool_dataprivacy_get_data_request__after_create")["result"]
        self.exists = False
        moodle.on("tool_dataprivacy_create_data_request", self.create)
        moodle.on("tool_dataprivacy_get_data_requests", self.listing)
        moodle.on("tool_dataprivacy_approve_data_request", self.approve)
        moodle.on(
            "tool_dataprivacy_get_data_request", lambda p: {"result": self.request, "warnings": []}
        )

    def create(self, params: dict[str, Any]) -> Any:
        assert (params["type"], params["foruserid"]) == ("2", "19")
        assert self.accounts.users[19]["suspended"], "access must end before the request"
        if self.exists:
            return answer("tool_dataprivacy_create_data_request__error_already_exists")
        self.exists = True
        return answer("tool_dataprivacy_create_data_request__delete_for_other")

    def listing(self, params: dict[str, Any]) -> Any:
        assert (params["userid"], params["types[0]"]) == ("19", "2")
        return {"requests": [self.request], "warnings": []}

    def approve(self, params: dict[str, Any]) -> Any:
        if not self.dpo:
            return {
                "exception": "core\\exception\\required_capability_exception",
                "errorcode": "nopermissions",
                "message": "Sorry, but you do not currently have permissions to do that.",
            }
        if self.request["status"] != 2:
            return answer("tool_dataprivacy_approve_data_request__error_not_awaiting")
        self.request["status"] = 3
        return answer("tool_dataprivacy_approve_data_request__normal")

    def run_cron(self) -> None:
        self.request["status"] = 10
        self.accounts.users.pop(19)


def test_privacy_delete_suspends_creates_approves_and_waits_for_cron(
    moodle: FakeMoodle, accounts: Accounts
) -> None:
    requests = DataRequests(moodle, accounts)
    first = push("privacy_delete", 19)
    assert (first.outcome, first.lms_request_id) == ("pending", 3)
    assert "cron" in first.reason and accounts.users[19]["suspended"] is True
    assert moodle.count("tool_dataprivacy_approve_data_request") == 1

    still = push("privacy_delete", 19, lms_request_id=3)
    assert still.outcome == "pending" and moodle.count("tool_dataprivacy_create_data_request") == 1

    requests.run_cron()
    done = push("privacy_delete", 19, lms_request_id=3)
    assert (done.outcome, done.lms_request_id) == ("applied", 3)
    assert "account deleted" in done.reason


def test_privacy_delete_retried_after_a_lost_answer_finds_the_ongoing_request(
    moodle: FakeMoodle, accounts: Accounts
) -> None:
    requests = DataRequests(moodle, accounts)
    requests.exists = True  # created by an earlier attempt whose answer was lost
    result = push("privacy_delete", 19)
    assert (result.outcome, result.lms_request_id) == ("pending", 3)
    assert moodle.count("tool_dataprivacy_get_data_requests") == 1


def test_privacy_delete_waits_for_a_human_dpo(moodle: FakeMoodle, accounts: Accounts) -> None:
    DataRequests(moodle, accounts, dpo=False)
    result = push("privacy_delete", 19)
    assert (result.outcome, result.lms_request_id) == ("pending", 3)
    assert "privacy officer" in result.reason


@pytest.mark.parametrize(("status", "word"), [(6, "cancelled"), (7, "rejected")])
def test_privacy_request_cancelled_or_rejected_is_terminal(
    moodle: FakeMoodle, accounts: Accounts, status: int, word: str
) -> None:
    requests = DataRequests(moodle, accounts)
    requests.request["status"] = status
    result = push("privacy_delete", 19, lms_request_id=3)
    assert result.outcome == "terminal_error" and word in result.reason
    assert result.lms_request_id == 3


def test_privacy_request_of_another_person_is_refused(
    moodle: FakeMoodle, accounts: Accounts
) -> None:
    DataRequests(moodle, accounts)
    assert push("privacy_delete", 5, lms_request_id=3).outcome == "terminal_error"


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
