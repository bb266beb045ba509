"""For each recorded sample: the site state it was recorded in, and how to replay it.

The simulator runs the ``sample-site`` dataset (the recorded site's ids), so a
sample's request is replayed as recorded; only the state before it has to be
re-created, by the same web-service calls and controls that produced it on
the real site (see "State changes made by the write samples" in the samples'
README). A sample not listed here is replayed on a fresh site.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.protocol import Response
from connectors.moodle.simulator.sample_site import T0

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "moodle"
REST = "/webservice/rest/server.php"
FORM = "application/x-www-form-urlencoded"
#: The recording was made just after seeding; the simulator's clock stands still there.
RECORDING_CLOCK = T0 + 400

Step = Callable[[SimulatedMoodle], Any]


def ws(function: str, **params: Any) -> Step:
    return lambda sim: sim.call(function, **params)


def control(action: str, **arguments: Any) -> Step:
    return lambda sim: sim.dispatch(action, arguments)


def create(type_: int, userid: int, comments: str = "") -> Step:
    return ws("tool_dataprivacy_create_data_request", type=type_, foruserid=userid,
              comments=comments)


def approve(requestid: int) -> Step:
    return ws("tool_dataprivacy_approve_data_request", requestid=requestid)


def broken(reason: str, **arguments: Any) -> tuple[Step, ...]:
    return (control("break_service_user", reason=reason, **arguments),)


def without(capability: str) -> tuple[Step, ...]:
    return (control("remove_capability", capability=capability),)


SUSPEND_AKSELI = ws("core_user_update_users", users=[{"id": 17, "suspended": 1}])
UNSUSPEND_AKSELI = ws("core_user_update_users", users=[{"id": 17, "suspended": 0}])
SUSPEND_ELIAS = ws("core_user_update_users", users=[{"id": 21, "suspended": 1}])
DELETE_HILLA = ws("core_user_delete_users", userids=[22])
CLEANUP = control("run_context_cleanup")
UNENROL_PIHLA = ws("enrol_manual_unenrol_users", enrolments=[{"userid": 18, "courseid": 3}])
CRON = control("run_cron")
#: Request 1 is hilla's automatic one; the rolled-back batch delete consumes id 2.
REQUESTS_1_2 = (DELETE_HILLA, ws("core_user_delete_users", userids=[23, 99999]))
REQUEST_3 = (*REQUESTS_1_2, create(2, 19, "GDPR erasure via register"))
REQUESTS_TO_6 = (*REQUEST_3, create(1, 20), create(2, 23), create(1, 17))
ERASE_NIILO = (*REQUEST_3, approve(3), CRON)
#: Three learners file their own requests on the Data privacy page, as they did on the live
#: site (``tests/fixtures/moodle-live``), where they were the site's first requests.
LEARNERS_FILE = (
    control("file_request", userid=17, type=1, comments="Haluan kopion tiedoistani"),
    control("file_request", userid=19, type=2, comments="Poistakaa tietoni"),
    control("file_request", userid=20, type=2, comments="Poistakaa kaikki tietoni"),
)
#: The register answered them: export approved, delete approved, both run by cron, the
#: third rejected.
LEARNERS_ANSWERED = (
    *LEARNERS_FILE, approve(1), approve(2), CRON,
    ws("tool_dataprivacy_deny_data_request", requestid=3),
)
#: Every privacy request of the recording, in recording order.
RECORDED_REQUESTS = (
    *ERASE_NIILO, create(1, 20), control("deny_request", requestid=4), create(2, 23),
    control("cancel_request", requestid=5), create(1, 17),
    control("complete_request", requestid=6), create(1, 18),
    control("deny_request", requestid=7), create(2, 20), approve(8),
)


@dataclass(frozen=True)
class Scenario:
    steps: tuple[Step, ...] = ()
    #: Replay with a token the site does not know.
    bad_token: bool = False
    #: Replay the request as a call of another function.
    function: str | None = None


SCENARIOS: dict[str, Scenario] = {
    # In the companion plugin's service only: its set-up lists it.
    "core_enrol_get_users_courses__normal": Scenario((control("plugin_setup"),)),
    # site info and transport
    "core_webservice_get_site_info__error_invalid_token": Scenario(bad_token=True),
    "core_webservice_get_site_info__error_missing_capability_rest_use":
        Scenario(broken("norestuse")),
    "core_webservice_get_site_info__error_rest_protocol_disabled_403":
        Scenario((control("disable_webservices", protocol_only=True),)),
    "core_webservice_get_site_info__error_service_disabled": Scenario(broken("servicedisabled")),
    "core_webservice_get_site_info__error_service_user_suspended": Scenario(broken("suspended")),
    "core_webservice_get_site_info__error_token_expired": Scenario(broken("tokenexpired")),
    "core_webservice_get_site_info__error_ws_disabled_403":
        Scenario((control("disable_webservices"),)),
    "core_webservice_get_site_info__policy_not_agreed_site_info":
        Scenario(broken("sitepolicynotagreed")),
    "core_course_create_courses__error_function_not_in_service_with_debuginfo":
        Scenario((control("configure", debug=True),)),
    # users
    "core_user_get_users__after_delete_by_id": Scenario((DELETE_HILLA,)),
    "core_user_get_users__after_privacy_delete": Scenario(ERASE_NIILO),
    "core_user_get_users_by_field__after_batch_suspend": Scenario((SUSPEND_ELIAS,)),
    "core_user_get_users_by_field__after_delete_batch_rollback": Scenario(REQUESTS_1_2),
    "core_user_get_users_by_field__after_delete_by_id": Scenario((DELETE_HILLA,)),
    "core_user_get_users_by_field__after_delete_by_id_after_context_cleanup":
        Scenario((DELETE_HILLA, CLEANUP)),
    "core_user_get_users_by_field__after_delete_by_username": Scenario((DELETE_HILLA,)),
    "core_user_get_users_by_field__after_delete_mixed_after_context_cleanup":
        Scenario((DELETE_HILLA, CLEANUP)),
    "core_user_get_users_by_field__after_privacy_delete": Scenario(ERASE_NIILO),
    "core_user_get_users_by_field__after_suspend": Scenario((SUSPEND_AKSELI,)),
    "core_user_get_users_by_field__after_unsuspend": Scenario((SUSPEND_AKSELI, UNSUSPEND_AKSELI)),
    "core_user_get_users_by_field__error_usernotfullysetup_system_context":
        Scenario(broken("usernotfullysetup")),
    "core_user_update_users__error_invalid_param_with_debuginfo":
        Scenario((control("configure", debug=True),)),
    "core_user_update_users__error_missing_capability_user_update":
        Scenario(without("moodle/user:update")),
    "core_user_update_users__unsuspend_elias": Scenario((SUSPEND_ELIAS,)),
    "core_user_update_users__unsuspend_one": Scenario((SUSPEND_AKSELI,)),
    "core_user_delete_users__error_already_deleted": Scenario((DELETE_HILLA,)),
    # courses
    "core_course_get_courses_by_field__by_ids_with_missing_debug":
        Scenario((control("configure", debug=True),)),
    "core_course_get_courses__error_missing_capability_course_view":
        Scenario(without("moodle/course:view")),
    # rosters
    "core_enrol_get_enrolled_users__after_batch_rollback": Scenario((UNENROL_PIHLA, ws(
        "enrol_manual_unenrol_users",
        enrolments=[{"userid": 19, "courseid": 3}, {"userid": 99999, "courseid": 3}]))),
    "core_enrol_get_enrolled_users__after_enrol_suspend":
        Scenario((control("suspend_enrolment", userid=21, courseid=4),)),
    "core_enrol_get_enrolled_users__after_submit_form":
        Scenario((control("suspend_enrolment", userid=21, courseid=4),)),
    "core_enrol_get_enrolled_users__after_unenrol": Scenario((UNENROL_PIHLA,)),
    "core_enrol_get_enrolled_users__after_unenrol_self_enrolled": Scenario((ws(
        "enrol_manual_unenrol_users", enrolments=[{"userid": 5, "courseid": 4}]),)),
    "core_enrol_get_enrolled_users__error_forcepasswordchange":
        Scenario(broken("forcepasswordchange")),
    "core_enrol_get_enrolled_users__error_missing_capability_course_view":
        Scenario(without("moodle/course:view")),
    "core_enrol_get_enrolled_users__error_restricted_context":
        Scenario(broken("restrictedcontext", courseid=2)),
    "core_enrol_get_enrolled_users__error_sitepolicynotagreed":
        Scenario(broken("sitepolicynotagreed")),
    "core_enrol_get_enrolled_users__error_usernotfullysetup":
        Scenario(broken("usernotfullysetup")),
    "core_enrol_get_enrolled_users__policy_not_agreed_auth_webservice_ok":
        Scenario(broken("policynotagreed")),
    "core_enrol_get_enrolled_users__prereqs_restored_ok": Scenario(
        (*broken("usernotfullysetup"), control("restore_service_user"))),
    "core_enrol_get_enrolled_users__restricted_context_ok":
        Scenario(broken("restrictedcontext", courseid=2)),
    "enrol_manual_unenrol_users__not_enrolled_noop": Scenario((UNENROL_PIHLA,)),
    # grades and assignments
    "gradereport_user_get_grade_items__after_unenrol_pihla": Scenario((UNENROL_PIHLA,)),
    "gradereport_user_get_grade_items__error_missing_capability_grade_viewall":
        Scenario(without("moodle/grade:viewall")),
    "mod_assign_get_grades__after_unenrol_tie220": Scenario((UNENROL_PIHLA,)),
    "mod_assign_get_submissions__after_unenrol_tie220": Scenario((UNENROL_PIHLA,)),
    # messaging
    "core_message_get_conversations__error_missing_capability_readallmessages":
        Scenario(without("moodle/site:readallmessages")),
    "core_message_get_conversation_messages__error_missing_capability_readallmessages":
        Scenario(without("moodle/site:readallmessages")),
    # data privacy
    "tool_dataprivacy_create_data_request__error_already_exists":
        Scenario((create(2, 19),)),
    "tool_dataprivacy_create_data_request__error_contactdpo_off":
        Scenario((control("configure", contactdataprotectionofficer=False),)),
    "tool_dataprivacy_create_data_request__error_user_deleted": Scenario((DELETE_HILLA,)),
    "tool_dataprivacy_approve_data_request__automatic_request_of_deleted_user":
        Scenario((DELETE_HILLA,)),
    "tool_dataprivacy_approve_data_request__error_not_awaiting":
        Scenario((*REQUEST_3, approve(3))),
    "tool_dataprivacy_approve_data_request__normal": Scenario(REQUEST_3),
    "tool_dataprivacy_get_data_request__after_approve": Scenario((*REQUEST_3, approve(3))),
    "tool_dataprivacy_get_data_request__after_bulk_approve_with_unknown":
        Scenario(RECORDED_REQUESTS),
    "tool_dataprivacy_get_data_request__after_cancel":
        Scenario((*REQUESTS_TO_6, control("cancel_request", requestid=5))),
    "tool_dataprivacy_get_data_request__after_create": Scenario(REQUEST_3),
    "tool_dataprivacy_get_data_request__after_cron": Scenario(ERASE_NIILO),
    "tool_dataprivacy_get_data_request__after_cron_2": Scenario(ERASE_NIILO),
    "tool_dataprivacy_deny_data_request__normal": Scenario(REQUESTS_TO_6),
    "tool_dataprivacy_get_data_request__after_deny":
        Scenario((*REQUESTS_TO_6, control("deny_request", requestid=4))),
    "tool_dataprivacy_get_data_request__after_mark_complete":
        Scenario((*REQUESTS_TO_6, control("complete_request", requestid=6))),
    "tool_dataprivacy_get_data_request__automatic_request_after_cron":
        Scenario((DELETE_HILLA, approve(1), CRON)),
    "tool_dataprivacy_get_data_requests__automatic_after_delete": Scenario((DELETE_HILLA,)),
    "tool_dataprivacy_get_data_requests__awaiting_approval_delete": Scenario(REQUEST_3),
    "tool_dataprivacy_get_data_requests__by_userid": Scenario(REQUEST_3),
    "tool_dataprivacy_get_data_requests__error_userid_deleted": Scenario((DELETE_HILLA,)),
    "tool_dataprivacy_get_data_requests__final_all": Scenario(RECORDED_REQUESTS),
    "tool_dataprivacy_get_data_requests__paged_sorted": Scenario(REQUEST_3),
}


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def _trimmed_body(sample: dict[str, Any]) -> str:
    """The two ``max_input_vars`` samples keep only 40 fields; rebuild the full request.

    Their notes give the recipe: N values, all unknown ids but the last, eero (5).
    """
    params = sample["request"]["params"]
    count = 5200 if "over" in sample["case"] else 4991
    fields = [(k, params[k]) for k in ("wstoken", "wsfunction", "moodlewsrestformat", "field")]
    fields += [(f"values[{i}]", str(100000 + i)) for i in range(count - 1)]
    fields.append((f"values[{count - 1}]", "5"))
    return urlencode(fields)


def replay(sim: SimulatedMoodle, name: str, scenario: Scenario) -> Response:
    """Put the site in the sample's state and send the recorded request."""
    sample = load(name)
    for step in scenario.steps:
        step(sim)
    request = sample["request"]
    body = _trimmed_body(sample) if "TRIMMED" in (sample.get("notes") or "") else request["body"]
    token = "0" * 32 if scenario.bad_token else sim.token
    body = body.replace("%3CTOKEN%3E", token).replace("<TOKEN>", token)
    if scenario.function:
        body = body.replace(f"wsfunction={sample['function']}", f"wsfunction={scenario.function}")
    if request["method"] == "GET":
        return sim.handle("GET", f"{REST}?{body}", {}, b"")
    content_type = "application/json" if body.startswith("{") else FORM
    return sim.handle("POST", REST, {"Content-Type": content_type}, body.encode())


def recorded_site() -> SimulatedMoodle:
    return SimulatedMoodle("sample-site", now=T0, clock=lambda: RECORDING_CLOCK)
