"""The simulated site behaves like Moodle over time: writes are visible to later reads."""

from __future__ import annotations

import json

import pytest

from connectors.moodle.functions import LOG_FUNCTION
from connectors.moodle.simulator import SimulatedMoodle, lifecycle
from connectors.moodle.simulator.app import REST_PATH
from connectors.moodle.simulator.sizes import SIZES

NOW = 1_800_000_000
CLOCK = NOW + 3600


def site(size: str = "tiny") -> SimulatedMoodle:
    return SimulatedMoodle(size, seed=3, now=NOW, clock=lambda: CLOCK)


def student(sim: SimulatedMoodle, nth: int = 0) -> int:
    """The nth generated student (ids: guest, admin, service user, teachers, students)."""
    return 4 + SIZES[sim.size].teachers + nth


def errorcode(answer: object) -> str | None:
    return answer.get("errorcode") if isinstance(answer, dict) else None


def test_a_suspension_is_read_back_at_once() -> None:
    sim = site()
    userid = student(sim)
    assert sim.call("core_user_update_users", users=[{"id": userid, "suspended": 1}]) == {
        "warnings": []}
    [user] = sim.call("core_user_get_users_by_field", field="id", values=[userid])
    assert user["suspended"] is True
    sim.reactivate_user(userid)
    [user] = sim.call("core_user_get_users_by_field", field="id", values=[userid])
    assert user["suspended"] is False


def test_a_suspended_users_own_token_is_refused() -> None:
    sim = site()
    userid = student(sim)
    token = sim.create_token(userid)["token"]
    assert sim.call("core_webservice_get_site_info", token=token)["userid"] == userid
    sim.call("core_user_update_users", users=[{"id": userid, "suspended": 1}])
    assert errorcode(sim.call("core_webservice_get_site_info", token=token)) == (
        "wsaccessusersuspended")


def test_a_deleted_user_is_gone_from_get_users_and_unreadable_by_id_after_cleanup() -> None:
    sim = site()
    userid = student(sim, 2)
    assert sim.call("core_user_delete_users", userids=[userid]) is None
    assert sim.call("core_user_get_users", criteria=[{"key": "id", "value": str(userid)}]) == {
        "users": [], "warnings": []}
    [row] = sim.call("core_user_get_users_by_field", field="id", values=[userid])
    assert row["username"].endswith(f".{CLOCK}") and "idnumber" not in row
    assert errorcode(sim.call("core_user_delete_users", userids=[userid])) == "invaliduser"
    sim.run_context_cleanup()
    answer = sim.call("core_user_get_users_by_field", field="id", values=[4, userid])
    assert errorcode(answer) == "invaliduser"


def test_a_batch_delete_is_all_or_nothing_but_uses_up_request_ids() -> None:
    sim = site()
    userid = student(sim, 2)
    assert errorcode(sim.call("core_user_delete_users", userids=[userid, 99999])) == (
        "invaliduser")
    assert sim.call("core_user_get_users_by_field", field="id", values=[userid])
    assert sim.call("core_user_delete_users", userids=[userid]) is None
    requests = sim.call("tool_dataprivacy_get_data_requests")["requests"]
    assert [(r["id"], r["creationmethod"], r["status"]) for r in requests] == [(2, 1, 2)]


def test_an_erasure_request_runs_its_course_from_approval_to_cron() -> None:
    sim = site()
    userid = student(sim, 2)
    created = sim.call("tool_dataprivacy_create_data_request", type=2, foruserid=userid)
    requestid = created["datarequestid"]
    assert errorcode(sim.call("tool_dataprivacy_create_data_request", type=2,
                              foruserid=userid)) == "errorrequestalreadyexists"
    assert sim.call("tool_dataprivacy_approve_data_request", requestid=requestid)["result"]
    assert errorcode(sim.call("tool_dataprivacy_approve_data_request",
                              requestid=requestid)) == "errorrequestnotwaitingforapproval"
    status = sim.call("tool_dataprivacy_get_data_request", requestid=requestid)["result"]
    assert status["status"] == 3
    assert sim.run_cron() == {"processed": [requestid]}
    result = sim.call("tool_dataprivacy_get_data_request", requestid=requestid)["result"]
    assert (result["status"], result["usermodified"]) == (10, 2)
    assert sim.call("core_user_get_users", criteria=[{"key": "id", "value": str(userid)}])[
        "users"] == []
    assert errorcode(sim.call("tool_dataprivacy_create_data_request", type=2,
                              foruserid=userid)) == "userdeleted"


@pytest.mark.parametrize("privacy", [True, False], ids=["privacy_request", "delete_user"])
def test_a_deleted_member_leaves_their_conversations_but_the_others_messages_stay(
    privacy: bool,
) -> None:
    """Eero (5) deleted: his one-to-one conversation 25 with aino (3) lists aino alone and
    keeps her messages; rows naming him as related user stay in the log store."""
    sim = SimulatedMoodle("sample-site", now=NOW, clock=lambda: CLOCK)
    sim.state.log("\\core\\event\\user_graded", crud="u", userid=3, relateduserid=5)
    handed = lifecycle._log_contexts_handed(sim.state, 5)  # before the deletion runs
    if privacy:
        created = sim.call("tool_dataprivacy_create_data_request", type=2, foruserid=5)
        sim.call("tool_dataprivacy_approve_data_request", requestid=created["datarequestid"])
        sim.run_cron()
    else:
        assert sim.call("core_user_delete_users", userids=[5]) is None
    teacher = sim.call("core_message_get_conversation_messages", currentuserid=3, convid=25)
    senders = {m["useridfrom"] for m in teacher["messages"]}
    assert senders == ({3} if privacy else {3, 5})
    listing = sim.call("core_message_get_conversations", userid=3, type=1)["conversations"]
    [conversation] = [c for c in listing if c["id"] == 25]
    assert conversation["membercount"] == 1 and [m["id"] for m in conversation["members"]] == [3]
    group = sim.call("core_message_get_conversation_messages", currentuserid=3, convid=29)
    assert {m["useridfrom"] for m in group["messages"]} >= {3, 8}
    refused = sim.call("core_message_get_conversation_messages", currentuserid=5, convid=25)
    assert errorcode(refused) == "User is not part of conversation."
    kept = [r for r in sim.state.logs if r.relateduserid == 5 and r.userid != 5]
    assert any(r.eventname.endswith("user_graded") for r in kept)
    # Moodle 4.5's fault (CONTRACTS 6): the log store deletes the rows by userid only in
    # the contexts before the first repeated one; the rows in the others stay.
    own = [r for r in sim.state.logs if r.userid == 5]
    assert privacy is False or (own and not {r.contextid for r in own} & handed)


def test_the_last_manual_unenrolment_takes_the_course_grades_but_not_assignment_grades() -> None:
    sim = SimulatedMoodle("sample-site", now=NOW, clock=lambda: CLOCK)

    def gradebook() -> list[object]:
        report = sim.call("gradereport_user_get_grade_items", courseid=3, userid=18)
        return [item["graderaw"] for item in report["usergrades"][0]["gradeitems"]]

    assert gradebook() == [13, None, 13]
    assert sim.call("enrol_manual_unenrol_users",
                    enrolments=[{"userid": 18, "courseid": 3}]) is None
    assert gradebook() == [None, None, None]
    grades = sim.call("mod_assign_get_grades", assignmentids=[4])["assignments"][0]["grades"]
    assert 18 in {g["userid"] for g in grades}
    submissions = sim.call("mod_assign_get_submissions", assignmentids=[4])["assignments"][0]
    assert 18 not in {s["userid"] for s in submissions["submissions"]}


def test_manual_unenrolment_leaves_a_self_enrolment_alone() -> None:
    sim = SimulatedMoodle("sample-site", now=NOW, clock=lambda: CLOCK)
    sim.call("enrol_manual_unenrol_users", enrolments=[{"userid": 5, "courseid": 4}])
    roster = sim.call("core_enrol_get_enrolled_users", courseid=4,
                      options=[{"name": "userfields", "value": "id"}])
    assert 5 in {u["id"] for u in roster}


def test_every_successful_call_writes_one_webservice_log_row() -> None:
    sim = site()
    before = len(sim.state.logs)
    sim.call("core_webservice_get_site_info")
    assert errorcode(sim.call("core_user_get_users")) == "invalidparameter"
    rows = sim.state.logs[before:]
    assert [(r.eventname, json.loads(r.other), r.origin) for r in rows] == [
        ("\\core\\event\\webservice_function_called",
         {"function": "core_webservice_get_site_info"}, "ws")]


def test_log_entries_are_read_by_keyset_in_pages() -> None:
    sim = site("demo")
    seen, sinceid, hasmore = [], 0, True
    while hasmore:
        page = sim.call(LOG_FUNCTION, sinceid=sinceid, limit=50)
        seen += [entry["id"] for entry in page["entries"]]
        sinceid, hasmore = page["lastid"], page["hasmore"]
    assert seen == sorted(seen) and len(seen) == len(set(seen)) >= 200
    courseid = sim.state.logs[0].courseid
    only = sim.call(LOG_FUNCTION, sinceid=0, limit=10000, courseid=courseid)["entries"]
    assert only and all(entry["courseid"] == courseid for entry in only)


def test_log_rows_younger_than_the_lag_are_served_later() -> None:
    sim = site()
    newest = sim.state.logs[-1].id
    sim.call("core_webservice_get_site_info")  # logged now, inside the 60 s lag
    assert sim.call(LOG_FUNCTION, sinceid=newest, limit=10) == {
        "entries": [], "lastid": newest, "hasmore": False}
    sim.configure(log_lag=0)
    entries = sim.call(LOG_FUNCTION, sinceid=newest, limit=10)["entries"]
    assert [json.loads(e["other"])["function"] for e in entries] == [
        "core_webservice_get_site_info", LOG_FUNCTION]  # the reader's own call is logged too
    assert {(e["origin"], e["anonymous"]) for e in entries} == {("ws", False)}


def test_the_log_reader_is_absent_without_the_companion_plugin() -> None:
    sim = site()
    sim.set_plugin_installed(False)
    functions = {f["name"] for f in sim.call("core_webservice_get_site_info")["functions"]}
    assert LOG_FUNCTION not in functions
    answer = sim.call(LOG_FUNCTION, sinceid=0, limit=10)
    assert (answer["exception"], errorcode(answer)) == ("dml_missing_record_exception",
                                                         "invalidrecord")


def test_a_removed_function_is_an_access_exception_and_leaves_the_function_list() -> None:
    sim = site()
    sim.remove_function("core_user_delete_users")
    functions = {f["name"] for f in sim.call("core_webservice_get_site_info")["functions"]}
    assert "core_user_delete_users" not in functions
    assert errorcode(sim.call("core_user_delete_users", userids=[5])) == "accessexception"


@pytest.mark.parametrize(("capability", "function", "params", "code"), [
    ("moodle/site:readallmessages", "core_message_get_conversations", {"userid": 4},
     "You do not have permission to perform this action."),
    ("moodle/course:view", "core_enrol_get_enrolled_users", {"courseid": 2},
     "errorcoursecontextnotvalid"),
    ("moodle/grade:viewall", "gradereport_user_get_grade_items", {"courseid": 2},
     "nopermissions"),
    ("moodle/user:update", "core_user_update_users", {"users": [{"id": 5, "suspended": 0}]},
     "nopermissions"),
])
def test_a_missing_capability_is_the_moodle_error(capability: str, function: str,
                                                   params: dict[str, object], code: str) -> None:
    sim = site()
    sim.remove_capability(capability)
    assert errorcode(sim.call(function, **params)) == code


@pytest.mark.parametrize(("reason", "course_code", "system_code"), [
    ("usernotfullysetup", "errorcoursecontextnotvalid", "usernotfullysetup"),
    ("forcepasswordchange", "errorcoursecontextnotvalid", "forcepasswordchangenotice"),
    ("sitepolicynotagreed", "errorcoursecontextnotvalid", "sitepolicynotagreed"),
])
def test_a_broken_service_user_still_gets_site_info(reason: str, course_code: str,
                                                    system_code: str) -> None:
    sim = site()
    sim.break_service_user(reason)
    assert "functions" in sim.call("core_webservice_get_site_info")
    assert errorcode(sim.call("core_enrol_get_enrolled_users", courseid=2)) == course_code
    assert errorcode(sim.call("core_user_get_users_by_field", field="id", values=[5])) == (
        system_code)
    sim.restore_service_user()
    assert isinstance(sim.call("core_enrol_get_enrolled_users", courseid=2), list)


def test_switched_off_web_services_answer_403_with_an_empty_body() -> None:
    sim = site()
    sim.disable_webservices()
    response = sim.handle("POST", REST_PATH, {}, b"wstoken=x&wsfunction=y")
    assert (response.status, response.body) == (403, b"")
    assert response.headers == {"Content-type": "text/html; charset=utf-8"}


def test_fields_past_max_input_vars_are_silently_dropped() -> None:
    sim = site()
    sim.configure(max_input_vars=6)  # wstoken, wsfunction, format, field and two values
    assert sim.call("core_user_get_users_by_field", field="id", values=[99991, 99992, 5]) == []
    found = sim.call("core_user_get_users_by_field", field="id", values=[5, 99991, 99992])
    assert [u["id"] for u in found] == [5]


@pytest.mark.parametrize(("users", "code"), [
    ([{"id": 5, "suspended": "true"}], "invalidparameter"),
    ([{"id": 5, "deleted": 1}], "invalidparameter"),
    ([{"id": "5x"}], "invalidparameter"),
])
def test_parameters_are_validated_like_moodle(users: list[dict[str, object]], code: str) -> None:
    assert errorcode(site().call("core_user_update_users", users=users)) == code


def test_new_activity_is_seen_by_incremental_reads() -> None:
    sim = site("demo")
    assignments = list(sim.state.assignments)
    touched = sim.touch(count=4)
    since = sim.call("mod_assign_get_submissions", assignmentids=assignments, since=CLOCK)
    fresh = {s["id"] for a in since["assignments"] for s in a["submissions"]}
    assert set(touched["submissions"]) <= fresh
    graded = sim.call("mod_assign_get_grades", assignmentids=assignments, since=CLOCK)
    assert {g["id"] for a in graded["assignments"] for g in a["grades"]} >= set(
        touched["grades"])
    added = sim.add_students(count=2, courseid=2)["userids"]
    roster = sim.call("core_enrol_get_enrolled_users", courseid=2,
                      options=[{"name": "userfields", "value": "id"}])
    assert set(added) <= {u["id"] for u in roster}


def test_a_message_deleted_by_one_member_is_hidden_from_that_member_only() -> None:
    sim = SimulatedMoodle("sample-site", now=NOW, clock=lambda: CLOCK)
    teacher = sim.call("core_message_get_conversation_messages", currentuserid=3, convid=25)
    student_view = sim.call("core_message_get_conversation_messages", currentuserid=5,
                            convid=25)
    assert {m["id"] for m in teacher["messages"]} - {m["id"] for m in student_view["messages"]} \
        == {2}


def test_messages_of_the_current_second_wait_for_the_next_read() -> None:
    sim = SimulatedMoodle("sample-site", now=NOW, clock=lambda: NOW)
    sim.state.add_message(25, 3, "<p>Juuri nyt.</p>", NOW)
    newest = sim.call("core_message_get_conversation_messages", currentuserid=3, convid=25,
                      timefrom=NOW - 10)
    assert newest["messages"] == []


def test_controls_are_http_endpoints_of_the_simulator_only() -> None:
    sim = site()
    ok = sim.handle("POST", "/_simulator/run_cron", {}, b"{}")
    assert (ok.status, json.loads(ok.body)) == (200, {"ok": True, "result": {"processed": []}})
    assert sim.handle("POST", "/_simulator/no_such_thing", {}, b"{}").status == 404
    assert sim.handle("POST", "/_simulator/reactivate_user", {}, b'{"nope": 1}').status == 400
    assert sim.handle("POST", "/_simulator/set_faults", {}, b'{"rate": 2}').status == 400
