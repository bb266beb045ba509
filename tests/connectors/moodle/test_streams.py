"""The Moodle streams against recorded answers: records, rejects, request patterns, bookmarks."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
import responses
from pydantic import SecretStr

from connectors.base import StreamUnavailable
from connectors.moodle.config import MoodleConfig, PageSizes
from connectors.moodle.connector import MoodleConnector
from connectors.moodle.errors import MissingCapability
from connectors.moodle.form import TRANSPORT_FIELD_COUNT
from connectors.moodle.functions import LOG_FUNCTION
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.inprocess import mount
from connectors.records import (
    AssignmentGradeRecord,
    AssignmentRecord,
    Batch,
    CourseRecord,
    EnrolmentRecord,
    GradeItemRecord,
    GradeRecord,
    LogEntryRecord,
    MessageRecord,
    SubmissionRecord,
    UserRecord,
)
from tests.connectors.moodle.samples import ENDPOINT, load_sample, make_client, make_config

Handler = Callable[[dict[str, Any]], Any]
_TRANSPORT = {"wstoken", "wsfunction", "moodlewsrestformat"}
SIM_URL = "https://moodle.test"


def answer(name: str) -> Any:
    """A recorded answer (a fresh copy each time)."""
    return copy.deepcopy(load_sample(name)["response"]["json"])


def listed(params: dict[str, Any], name: str) -> list[str]:
    """``name[0]``, ``name[1]``, ... of a decoded form, in index order."""
    found = [
        (int(m.group(1)), v)
        for k, v in params.items()
        if (m := re.fullmatch(rf"{name}\[(\d+)\]", k))
    ]
    return [v for _, v in sorted(found)]


def options(params: dict[str, Any]) -> dict[str, str]:
    """``options[i][name]`` / ``options[i][value]`` as a dict."""
    names, values = (
        listed_pairs(params, "options", "name"),
        listed_pairs(params, "options", "value"),
    )
    return dict(zip(names, values, strict=True))


def listed_pairs(params: dict[str, Any], name: str, key: str) -> list[str]:
    found = [
        (int(m.group(1)), v)
        for k, v in params.items()
        if (m := re.fullmatch(rf"{name}\[(\d+)\]\[{key}\]", k))
    ]
    return [v for _, v in sorted(found)]


class FakeMoodle:
    """A Moodle REST endpoint for ``responses``: one handler per function, every call recorded.

    A handler receives the decoded form fields (transport fields removed) and
    returns the JSON answer; a Moodle error object is answered like Moodle does
    (HTTP 200).
    """

    def __init__(self, rsps: responses.RequestsMock, site: dict[str, Any] | None = None) -> None:
        self.handlers: dict[str, Handler] = {}
        self.calls: list[tuple[str, dict[str, Any], int]] = []
        self.on(
            "core_webservice_get_site_info", site or answer("core_webservice_get_site_info__normal")
        )
        rsps.add_callback(responses.POST, ENDPOINT, callback=self._answer)

    def on(self, function: str, reply: Any) -> None:
        self.handlers[function] = (
            reply if callable(reply) else (lambda _params, r=reply: copy.deepcopy(r))
        )

    def _answer(self, request: Any) -> tuple[int, dict[str, str], str]:
        fields = parse_qsl(request.body, keep_blank_values=True)
        params = {
            k: v for k, v in fields if k not in _TRANSPORT and not k.startswith("moodlewssetting")
        }
        function = dict(fields)["wsfunction"]
        self.calls.append((function, params, len(fields)))
        handler = self.handlers.get(function)
        if handler is None:
            body: Any = {
                "exception": "webservice_access_exception",
                "errorcode": "accessexception",
                "message": "Access control exception",
            }
        else:
            body = handler(params)
        return 200, {"Content-type": "application/json"}, json.dumps(body)

    def count(self, function: str | None = None) -> int:
        return sum(1 for name, _, _ in self.calls if function in (None, name))

    def params(self, function: str) -> list[dict[str, Any]]:
        return [p for name, p, _ in self.calls if name == function]


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def moodle(rsps: responses.RequestsMock) -> FakeMoodle:
    return FakeMoodle(rsps)


def connector(**config: Any) -> MoodleConnector:
    client = make_client(**config)
    return MoodleConnector(make_config(**config), client=client)


def pull(stream: str, bookmark: Any = None, **config: Any) -> list[Batch]:
    return list(connector(**config).pull(stream, bookmark))


def records(batches: list[Batch], kind: type | None = None) -> list[Any]:
    return [r for b in batches for r in b.records if kind is None or isinstance(r, kind)]


# --------------------------------------------------------------------------- fake site pieces


ALL_USERS = {u["id"]: u for u in answer("core_user_get_users__all_by_email_wildcard")["users"]}


def roster(rows: list[dict[str, Any]]) -> Handler:
    """``core_enrol_get_enrolled_users`` paged like Moodle (limitfrom/limitnumber over id order)."""

    def handle(params: dict[str, Any]) -> Any:
        opts = options(params)
        start, size = int(opts.get("limitfrom", 0)), int(opts.get("limitnumber", 0))
        return rows[start : start + size] if size else rows[start:]

    return handle


def users_by_id(pool: dict[int, dict[str, Any]]) -> Handler:
    def handle(params: dict[str, Any]) -> Any:
        assert params["field"] == "id"
        return [pool[i] for i in sorted(int(v) for v in listed(params, "values")) if i in pool]

    return handle


def synthetic_users(count: int) -> dict[int, dict[str, Any]]:
    """The service user (25) plus ``count`` students from id 100 on."""
    pool = {25: ALL_USERS[25]}
    for n in range(100, 100 + count):
        pool[n] = {
            "id": n,
            "username": f"student{n}",
            "firstname": "S",
            "lastname": str(n),
            "email": f"s{n}@example.fi",
            "auth": "manual",
            "suspended": False,
        }
    return pool


def serve_users(moodle: FakeMoodle, pool: dict[int, dict[str, Any]]) -> None:
    moodle.on(
        "core_enrol_get_enrolled_users", roster([{"id": i, "fullname": "x"} for i in sorted(pool)])
    )
    moodle.on("core_user_get_users_by_field", users_by_id(pool))


# --------------------------------------------------------------------------- users


def test_users_come_from_the_roster_without_non_persons(moodle: FakeMoodle) -> None:
    serve_users(moodle, ALL_USERS)
    batches = pull("users", exclude_usernames=("admin", "ws_tester"))
    ids = sorted(r.lms_user_id for r in records(batches, UserRecord))
    assert ids == list(range(3, 25))  # not guest 1, admin 2, bridge_svc 25, ws_tester 26
    assert [p["courseid"] for p in moodle.params("core_enrol_get_enrolled_users")] == ["1"]
    assert options(moodle.params("core_enrol_get_enrolled_users")[0])["userfields"] == "id"
    asked = {
        int(v) for p in moodle.params("core_user_get_users_by_field") for v in listed(p, "values")
    }
    assert not asked & {1, 25}  # guest and the service user are not even looked up
    assert batches[-1].complete and batches[-1].scope == {"kind": "all"}
    assert batches[-1].checkpoint == {}


def test_webservice_accounts_are_not_persons(moodle: FakeMoodle) -> None:
    pool = synthetic_users(3)
    pool[101] = {**pool[101], "auth": "webservice"}
    serve_users(moodle, pool)
    assert sorted(r.lms_user_id for r in records(pull("users"))) == [100, 102]


def test_a_user_without_id_is_rejected_and_the_others_come_through(moodle: FakeMoodle) -> None:
    pool = synthetic_users(3)
    moodle.on("core_enrol_get_enrolled_users", roster([{"id": i} for i in sorted(pool)]))
    broken = {"username": "ghost", "auth": "manual"}
    moodle.on("core_user_get_users_by_field", lambda p: [*users_by_id(pool)(p), broken])
    batches = pull("users")
    assert sorted(r.lms_user_id for r in records(batches)) == [100, 101, 102]
    [reject] = [r for b in batches for r in b.rejects]
    assert (reject.stream, reject.reason, reject.payload) == ("users", "id: missing", broken)


@pytest.mark.parametrize("page_size", [1000, 100])
def test_user_requests_grow_with_pages_not_people(moodle: FakeMoodle, page_size: int) -> None:
    counts = []
    for students in (10, 100):
        moodle.calls.clear()
        serve_users(moodle, synthetic_users(students))
        assert len(records(pull("users", page_sizes=PageSizes(roster=page_size)))) == students
        counts.append(moodle.count())
    if page_size == 1000:
        assert counts[0] == counts[1] == 3  # site info, one roster page, one detail batch
    else:
        # 101 rows: a second roster page and its own detail batch, nothing per person.
        assert (counts[0], counts[1]) == (3, 5)


def test_detail_batches_fit_the_form_field_budget(moodle: FakeMoodle) -> None:
    serve_users(moodle, synthetic_users(100))
    budget = TRANSPORT_FIELD_COUNT + 1 + 20  # "field" plus 20 ids
    assert len(records(pull("users", max_form_fields=budget))) == 100
    details = [n for name, _, n in moodle.calls if name == "core_user_get_users_by_field"]
    assert details == [budget] * 5  # 100 ids (the service user is not looked up) / 20


def test_users_roster_is_paged_until_a_short_page_rereading_one_row(moodle: FakeMoodle) -> None:
    serve_users(moodle, synthetic_users(10))
    batches = pull("users", page_sizes=PageSizes(roster=4))
    assert sorted(r.lms_user_id for r in records(batches)) == list(range(100, 110))
    starts = [options(p)["limitfrom"] for p in moodle.params("core_enrol_get_enrolled_users")]
    assert starts == ["0", "3", "6", "9"]  # 11 rows, pages of 4 overlapping by one
    assert [b.checkpoint for b in batches] == [None, None, None, {}]
    assert batches[-1].complete


def test_users_leaving_while_paging_make_the_listing_incomplete(moodle: FakeMoodle) -> None:
    pool = synthetic_users(10)
    rows = [{"id": i} for i in sorted(pool)]
    handle = roster(rows)

    def shrinking(params: dict[str, Any]) -> Any:
        page = handle(params)
        if options(params)["limitfrom"] == "0":
            del rows[1:3]  # two users deleted after the first page was read
        return page

    moodle.on("core_enrol_get_enrolled_users", shrinking)
    moodle.on("core_user_get_users_by_field", users_by_id(pool))
    batches = pull("users", page_sizes=PageSizes(roster=4))
    assert not batches[-1].complete and batches[-1].scope is None


# --------------------------------------------------------------------------- courses


def test_courses_without_the_front_page(moodle: FakeMoodle) -> None:
    moodle.on("core_course_get_courses_by_field", answer("core_course_get_courses_by_field__all"))
    [batch] = pull("courses")
    by_id = {r.lms_course_id: r for r in batch.records}
    assert sorted(by_id) == [2, 3, 4, 5]
    assert isinstance(by_id[5], CourseRecord) and by_id[5].visible is False
    assert batch.complete and batch.scope == {"kind": "all"} and batch.checkpoint == {}


# --------------------------------------------------------------------------- enrolments


def courses_answer(*ids: int) -> dict[str, Any]:
    return {
        "courses": [{"id": i, "shortname": f"C{i}", "fullname": f"Course {i}"} for i in (1, *ids)],
        "warnings": [],
    }


def serve_enrolments(
    moodle: FakeMoodle, active: dict[int, list[Any]], suspended: dict[int, list[Any]]
) -> None:
    def handle(params: dict[str, Any]) -> Any:
        course = int(params["courseid"])
        rows = suspended if options(params).get("onlysuspended") == "1" else active
        return roster(rows.get(course, []))(params)

    moodle.on("core_enrol_get_enrolled_users", handle)


def test_enrolments_per_course_with_roles_groups_and_suspension(moodle: FakeMoodle) -> None:
    moodle.on("core_course_get_courses_by_field", courses_answer(2, 3))
    page = answer("core_enrol_get_enrolled_users__userfields_page1")
    serve_enrolments(
        moodle, {2: page, 3: page[:1]}, {2: answer("core_enrol_get_enrolled_users__onlysuspended")}
    )
    batches = pull("enrolments")
    assert [(b.scope, b.complete, b.checkpoint) for b in batches] == [
        ({"course": 2}, True, None),
        ({"course": 3}, True, {}),
    ]
    by_key = {r.key: r for r in records(batches, EnrolmentRecord)}
    assert by_key[(2, 7)].status == "suspended" and by_key[(2, 5)].status == "active"
    assert by_key[(2, 5)].groups == ("Ryhmä A",) and by_key[(2, 3)].groups == ()
    assert by_key[(2, 3)].roles == ("editingteacher",)
    assert by_key[(3, 3)].key == (3, 3)
    userfields = {options(p)["userfields"] for p in moodle.params("core_enrol_get_enrolled_users")}
    assert userfields == {"id", "id,username,roles,groups,lastcourseaccess"}


def test_enrolment_requests_do_not_grow_with_students(moodle: FakeMoodle) -> None:
    moodle.on("core_course_get_courses_by_field", courses_answer(2))
    counts = []
    for students in (10, 100):
        moodle.calls.clear()
        rows = [
            {"id": i, "username": f"s{i}", "roles": [{"shortname": "student"}]}
            for i in range(100, 100 + students)
        ]
        serve_enrolments(moodle, {2: rows}, {2: rows[:3]})
        assert len(records(pull("enrolments", page_sizes=PageSizes(roster=500)))) == students
        counts.append(moodle.count())
    assert counts[0] == counts[1] == 4  # site info, courses, suspended page, roster page


def test_broken_roster_row_is_rejected_not_fatal(moodle: FakeMoodle) -> None:
    moodle.on("core_course_get_courses_by_field", courses_answer(2))
    rows = [{"id": 100, "roles": [{"shortname": "student"}]}, {"id": 101, "roles": [{"name": ""}]}]
    serve_enrolments(moodle, {2: rows}, {})
    [batch] = pull("enrolments")
    assert [r.lms_user_id for r in batch.records] == [100]
    assert (
        batch.rejects[0].reason == "roles[0].shortname: missing"
        and batch.rejects[0].lms_id == "101"
    )


# --------------------------------------------------------------------------- gradebook


def test_gradebook_dedupes_items_and_keeps_grade_flags(moodle: FakeMoodle) -> None:
    moodle.on("core_course_get_courses_by_field", courses_answer(2))
    overridden = answer("gradereport_user_get_grade_items__single_user_overridden")
    hidden = answer("gradereport_user_get_grade_items__single_user_hidden_grade")
    broken = copy.deepcopy(hidden["usergrades"][0])
    broken["userid"], broken["gradeitems"][3]["graderaw"] = 10, "abc"
    usergrades = [*overridden["usergrades"], *hidden["usergrades"], broken]
    moodle.on("gradereport_user_get_grade_items", {"usergrades": usergrades, "warnings": []})
    [batch] = pull("gradebook")
    items = records([batch], GradeItemRecord)
    assert sorted(i.lms_item_id for i in items) == [1, 2, 3, 4, 14]
    grades = {g.key: g for g in records([batch], GradeRecord)}
    assert grades[(2, 5)].overridden and grades[(2, 5)].grade == 97.0
    assert grades[(14, 6)].hidden and (2, 6) not in grades  # ungraded cell: no grade row
    [reject] = batch.rejects
    assert reject.reason == "graderaw: expected a number, got 'abc'" and reject.lms_id == "14:10"
    assert (batch.scope, batch.complete) == ({"course": 2}, True)
    assert moodle.params("gradereport_user_get_grade_items") == [{"courseid": "2"}]


def test_gradebook_is_one_call_per_course(moodle: FakeMoodle) -> None:
    moodle.on("core_course_get_courses_by_field", courses_answer(2, 3, 4))
    moodle.on(
        "gradereport_user_get_grade_items",
        answer("gradereport_user_get_grade_items__course_all_users"),
    )
    batches = pull("gradebook")
    assert moodle.count("gradereport_user_get_grade_items") == 3
    assert [b.scope for b in batches] == [{"course": 2}, {"course": 3}, {"course": 4}]
    assert len(records(batches[:1], GradeRecord)) > 11


# --------------------------------------------------------------------------- assignments


ASSIGNMENTS = answer("mod_assign_get_assignments__courseids_includenotenrolled")


def serve_assignments(moodle: FakeMoodle, warnings: list[Any] = ()) -> None:  # type: ignore[assignment]
    moodle.on("core_course_get_courses_by_field", answer("core_course_get_courses_by_field__all"))

    def handle(params: dict[str, Any]) -> Any:
        assert params["includenotenrolledcourses"] == "1"
        wanted = {int(v) for v in listed(params, "courseids")}
        return {
            "courses": [c for c in ASSIGNMENTS["courses"] if c["id"] in wanted],
            "warnings": list(warnings),
        }

    moodle.on("mod_assign_get_assignments", handle)


def test_assignments_of_every_course(moodle: FakeMoodle) -> None:
    serve_assignments(moodle)
    batches = pull("assignments", page_sizes=PageSizes(courses=3))
    found = {r.lms_assignment_id: r for r in records(batches, AssignmentRecord)}
    assert sorted(found) == list(range(1, 10))
    assert found[9].blind_marking and not found[1].blind_marking
    assert moodle.count("mod_assign_get_assignments") == 2  # courses 2-4, then 5
    assert batches[-1].complete and batches[-1].scope == {"kind": "all"}


def test_an_assignment_warning_is_logged_and_the_listing_is_not_complete(
    moodle: FakeMoodle, caplog: pytest.LogCaptureFixture
) -> None:
    serve_assignments(moodle, answer("mod_assign_get_assignments__course_not_found")["warnings"])
    batches = pull("assignments")
    assert len(records(batches)) == 9
    assert not batches[-1].complete and "No access rights" in caplog.text


# --------------------------------------------------------------------------- submissions and grades


def by_assignment(name: str, key: str) -> Handler:
    """Serve a recorded ``mod_assign_get_*`` answer, cut to the requested assignments."""
    recorded = answer(name)

    def handle(params: dict[str, Any]) -> Any:
        wanted = {int(v) for v in listed(params, "assignmentids")}
        return {
            "assignments": [a for a in recorded["assignments"] if a["assignmentid"] in wanted],
            "warnings": [],
        }

    return handle


def all_times(name: str, key: str) -> list[int]:
    return [c["timemodified"] for a in answer(name)["assignments"] for c in a[key]]


def test_full_submission_pull_is_complete_and_bookmarks_the_server_time(moodle: FakeMoodle) -> None:
    serve_assignments(moodle)
    moodle.on(
        "mod_assign_get_submissions",
        by_assignment("mod_assign_get_submissions__all", "submissions"),
    )
    batches = pull("submissions", page_sizes=PageSizes(assignments=4))
    assert len(records(batches, SubmissionRecord)) == 72
    assert [b.checkpoint for b in batches] == [
        None,
        None,
        {"since": max(all_times("mod_assign_get_submissions__all", "submissions"))},
    ]
    assert batches[-1].complete and batches[-1].scope == {"kind": "all"}
    assert all("since" not in p for p in moodle.params("mod_assign_get_submissions"))
    sizes = [len(listed(p, "assignmentids")) for p in moodle.params("mod_assign_get_submissions")]
    assert sorted(sizes) == [1, 4, 4]  # 9 assignments, batches of 4


def test_the_bookmark_waits_for_the_last_batch_even_when_an_early_one_is_newest(
    moodle: FakeMoodle,
) -> None:
    serve_assignments(moodle)
    recorded = answer("mod_assign_get_submissions__all")
    newest = max(all_times("mod_assign_get_submissions__all", "submissions")) + 1000
    recorded["assignments"][0]["submissions"][0]["timemodified"] = newest  # in the first batch
    moodle.on(
        "mod_assign_get_submissions",
        lambda p: {
            "assignments": [
                a
                for a in recorded["assignments"]
                if str(a["assignmentid"]) in listed(p, "assignmentids")
            ],
            "warnings": [],
        },
    )
    batches = pull("submissions", page_sizes=PageSizes(assignments=4))
    assert batches[0].checkpoint is None and batches[-1].checkpoint == {"since": newest}


def test_incremental_submissions_send_since_from_the_bookmark(moodle: FakeMoodle) -> None:
    serve_assignments(moodle)
    since = 1795079766
    moodle.on(
        "mod_assign_get_submissions", answer("mod_assign_get_submissions__since_boundary_inclusive")
    )
    batches = pull("submissions", {"since": since})
    assert {p["since"] for p in moodle.params("mod_assign_get_submissions")} == {str(since)}
    found = records(batches, SubmissionRecord)
    assert 37 in {r.lms_submission_id for r in found}  # the boundary second is re-read
    expected = max(all_times("mod_assign_get_submissions__since_boundary_inclusive", "submissions"))
    assert batches[-1].checkpoint == {"since": expected}
    assert not batches[-1].complete  # an incremental run lists only what changed


def test_nothing_new_keeps_the_bookmark(moodle: FakeMoodle) -> None:
    serve_assignments(moodle)
    moodle.on(
        "mod_assign_get_grades",
        {
            "assignments": [],
            "warnings": [
                {
                    "item": "assignment",
                    "itemid": 1,
                    "warningcode": "3",
                    "message": "No grades found",
                }
            ],
        },
    )
    batches = pull("assignment_grades", {"since": 1800000000})
    assert records(batches) == [] and batches[-1].checkpoint == {"since": 1800000000}


def test_assignment_grades_with_no_grade_and_a_broken_grade(moodle: FakeMoodle) -> None:
    serve_assignments(moodle)
    recorded = answer("mod_assign_get_grades__all")
    recorded["assignments"][0]["grades"][0]["grade"] = "-1.00000"
    recorded["assignments"][0]["grades"][1]["grade"] = "abc"
    moodle.on("mod_assign_get_grades", recorded)
    batches = pull("assignment_grades")
    grades = {r.lms_grade_id: r for r in records(batches, AssignmentGradeRecord)}
    assert grades[1].grade is None and grades[3].grade == 85.0 and 2 not in grades
    [reject] = [r for b in batches for r in b.rejects]
    assert reject.lms_id == "2" and "grade" in reject.reason
    times = [g["timemodified"] for a in recorded["assignments"] for g in a["grades"]]
    assert batches[-1].checkpoint == {"since": max(times)}


# --------------------------------------------------------------------------- messages


def serve_teachers(moodle: FakeMoodle) -> None:
    moodle.on("core_course_get_courses_by_field", courses_answer(2, 4))
    moodle.on(
        "core_enrol_get_enrolled_users_with_capability",
        answer("core_enrol_get_enrolled_users_with_capability__teachers_two_courses"),
    )


def serve_conversations(moodle: FakeMoodle) -> None:
    pages = {
        ("3", "0"): answer("core_message_get_conversations__teacher_individual_page1"),
        ("3", "2"): answer("core_message_get_conversations__teacher_individual_page2"),
    }
    # Mikko (4) shares conversation 28 with Aino: it must be read once only.
    shared = copy.deepcopy(pages[("3", "0")]["conversations"][0])
    pages[("4", "0")] = {"conversations": [shared]}
    moodle.on(
        "core_message_get_conversations",
        lambda p: pages.get((p["userid"], p["limitfrom"]), {"conversations": []}),
    )
    threads = {c["id"]: c["messages"] for page in pages.values() for c in page["conversations"]}
    threads[25] = answer("core_message_get_conversation_messages__teacher_view")["messages"]

    def messages(params: dict[str, Any]) -> Any:
        since, convid = int(params["timefrom"]), int(params["convid"])
        found = [m for m in threads[convid] if m["timecreated"] >= since]
        return {"id": convid, "members": [], "messages": found}

    moodle.on("core_message_get_conversation_messages", messages)


def test_messages_of_teachers_conversations(moodle: FakeMoodle) -> None:
    serve_teachers(moodle)
    serve_conversations(moodle)
    batches = pull("messages", page_sizes=PageSizes(conversations=2))
    read = [
        (p["currentuserid"], p["convid"])
        for p in moodle.params("core_message_get_conversation_messages")
    ]
    assert read == [("3", "28"), ("3", "26"), ("3", "25")]  # 28 not again through Mikko
    teacher_calls = moodle.params("core_enrol_get_enrolled_users_with_capability")
    capabilities = {
        v for p in teacher_calls for k, v in p.items() if k.endswith("[capabilities][0]")
    }
    assert capabilities == {"mod/assign:grade"} and len(teacher_calls) == 1
    found = records(batches, MessageRecord)
    assert {m.member_ids for m in found if m.lms_conversation_id == 26} == {(3, 6)}
    newest = max(m.time_created for m in found)
    assert batches[-1].checkpoint == {"timefrom": newest} and batches[0].checkpoint is None
    assert batches[-1].complete


def test_messages_stop_paging_at_the_bookmark(moodle: FakeMoodle) -> None:
    serve_teachers(moodle)
    serve_conversations(moodle)
    timefrom = 1794723366  # the latest message of conversation 28, first on page 1
    batches = pull("messages", {"timefrom": timefrom}, page_sizes=PageSizes(conversations=2))
    pages = [(p["userid"], p["limitfrom"]) for p in moodle.params("core_message_get_conversations")]
    assert pages == [("3", "0"), ("4", "0")]  # conversation 26 is older: no page 2
    read = moodle.params("core_message_get_conversation_messages")
    assert [(p["convid"], p["timefrom"]) for p in read] == [("28", str(timefrom))]
    assert [m.lms_message_id for m in records(batches)] == [10]  # the boundary is inclusive
    assert batches[-1].checkpoint == {"timefrom": timefrom} and not batches[-1].complete


def test_missing_readallmessages_fails_the_stream(moodle: FakeMoodle) -> None:
    serve_teachers(moodle)
    moodle.on(
        "core_message_get_conversations",
        answer("core_message_get_conversations__error_missing_capability_readallmessages"),
    )
    with pytest.raises(MissingCapability) as caught:
        pull("messages")
    assert caught.value.fix


# --------------------------------------------------------------------------- logs


LOG_ROWS = load_sample("logstore_standard_log__rows")["response"]["json"]["rows"]


def site_with_logs() -> dict[str, Any]:
    site = answer("core_webservice_get_site_info__normal")
    site["functions"].append({"name": LOG_FUNCTION, "version": "2024100100"})
    return site


def test_logs_checkpoint_after_every_page(rsps: responses.RequestsMock) -> None:
    moodle = FakeMoodle(rsps, site_with_logs())
    rows = sorted(LOG_ROWS, key=lambda r: r["id"])[:5]

    def page(params: dict[str, Any]) -> Any:
        since, limit = int(params["sinceid"]), int(params["limit"])
        newer = [r for r in rows if r["id"] > since]
        entries = newer[:limit]
        return {
            "entries": entries,
            "lastid": entries[-1]["id"] if entries else since,
            "hasmore": len(newer) > limit,
        }

    moodle.on(LOG_FUNCTION, page)
    batches = pull("logs", {"sinceid": rows[0]["id"]}, page_sizes=PageSizes(logs=2))
    assert [b.checkpoint for b in batches] == [
        {"sinceid": rows[2]["id"]},
        {"sinceid": rows[4]["id"]},
    ]
    assert [r.lms_log_id for r in records(batches, LogEntryRecord)] == [r["id"] for r in rows[1:]]
    assert not any(b.complete for b in batches)


def test_logs_without_the_companion_plugin_are_unavailable(moodle: FakeMoodle) -> None:
    with pytest.raises(StreamUnavailable, match="companion plugin not installed") as caught:
        pull("logs")
    assert caught.value.fix and LOG_FUNCTION in caught.value.fix
    assert moodle.count(LOG_FUNCTION) == 0


def test_logs_function_not_installed_is_unavailable(rsps: responses.RequestsMock) -> None:
    moodle = FakeMoodle(rsps, site_with_logs())
    moodle.on(LOG_FUNCTION, answer("local_nothere_do_something__error_function_not_installed"))
    with pytest.raises(StreamUnavailable):
        pull("logs")


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
