"""The people streams against recorded answers: users, courses, enrolments and the gradebook."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from connectors.moodle.config import PageSizes
from connectors.moodle.form import TRANSPORT_FIELD_COUNT
from connectors.records import (
    CourseRecord,
    EnrolmentRecord,
    GradeItemRecord,
    GradeRecord,
    UserRecord,
)
from tests.connectors.moodle.fake_moodle import (
    ALL_USERS,
    FakeMoodle,
    answer,
    courses_answer,
    listed,
    options,
    pull,
    records,
    roster,
    serve_users,
    synthetic_users,
    users_by_id,
)

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
    assert reject.reason == "graderaw: expected a number, got text of 3 chars"  # not the value
    assert reject.lms_id == "14:10"
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
