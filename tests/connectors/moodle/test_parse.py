"""Moodle JSON → records: recorded shapes come through, impossible values are refused."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from connectors.moodle import parse
from connectors.records import AssignmentGradeRecord, GradeItemRecord, GradeRecord, SubmissionFile
from tests.connectors.moodle.samples import load_sample


def answer(name: str) -> Any:
    return load_sample(name)["response"]["json"]


def user_by_id(user_id: int) -> dict[str, Any]:
    users = answer("core_user_get_users__all_by_email_wildcard")["users"]
    return copy.deepcopy(next(u for u in users if u["id"] == user_id))


def grade_cells(name: str) -> list[dict[str, Any]]:
    return answer(name)["usergrades"][0]["gradeitems"]


# --------------------------------------------------------------------------- site and users


def test_site_info_gives_site_id_service_user_and_functions() -> None:
    site = parse.parse_site_info(answer("core_webservice_get_site_info__normal"))
    assert (site.site_id, site.service_user_id, site.version) == (1, 25, "2024090300")
    assert "core_user_get_users_by_field" in site.functions
    assert site.is_site_admin is False


def test_user_keeps_identity_custom_fields_and_suspension_but_no_image_urls() -> None:
    record = parse.parse_user(user_by_id(5))
    assert record.lms_user_id == 5
    assert (record.first_name, record.last_name, record.email) == (
        "Eero",
        "Mäkinen",
        "eero.makinen@example.fi",
    )
    assert record.custom_fields == (
        ("employer", "Kaukokiito Logistiikka Oy"),
        ("phone", "+358 44 700 0001"),
        ("studentno", "2001"),
    )
    assert record.department is None  # sent as ""
    assert record.phone1 is None  # omitted when empty
    assert not any("theme/image.php" in str(v) for v in record.content().values())
    assert parse.parse_user(user_by_id(9)).suspended is True


def test_user_never_accessed_has_no_access_times() -> None:
    record = parse.parse_user(user_by_id(6))  # firstaccess 0 = never
    assert record.first_access is None and record.last_access is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"id": None}, "id: missing"),
        ({"id": "abc"}, "id: expected an integer"),
        ({"id": 0}, "id: must be a positive id"),
        ({"suspended": "yes"}, "suspended: expected a boolean"),
        ({"lastaccess": -5}, "lastaccess: timestamp must not be negative"),
        ({"customfields": [{"value": "x"}]}, "customfields[0].shortname: missing"),
    ],
)
def test_impossible_user_values_are_refused_with_the_reason(
    change: dict[str, Any], reason: str
) -> None:
    raw = user_by_id(5)
    raw.update(change)
    with pytest.raises(ValueError, match=reason.replace("[", r"\[").replace("]", r"\]")):
        parse.parse_user(raw)


# --------------------------------------------------------------------------- courses and rosters


def test_course_hidden_flag_and_dates() -> None:
    courses = {c["id"]: c for c in answer("core_course_get_courses_by_field__all")["courses"]}
    hidden = parse.parse_course(courses[5])
    assert (hidden.shortname, hidden.visible) == ("TSK300", False)
    first = parse.parse_course(courses[2])
    assert (first.category_id, first.start_date) == (2, 1790457366)


def test_enrolment_roles_by_shortname_and_omitted_groups() -> None:
    rows = {r["id"]: r for r in answer("core_enrol_get_enrolled_users__userfields_page1")}
    teacher = parse.parse_enrolment(rows[3], course_id=2, suspended=False)
    assert (teacher.roles, teacher.groups, teacher.last_course_access) == (
        ("editingteacher",),
        (),
        None,
    )
    student = parse.parse_enrolment(rows[7], course_id=2, suspended=True)
    assert (student.roles, student.groups, student.status) == (
        ("student",),
        ("Ryhmä A",),
        "suspended",
    )


# --------------------------------------------------------------------------- grades


def test_gradebook_cell_overridden_and_integral_floats() -> None:
    cell = grade_cells("gradereport_user_get_grade_items__single_user_overridden")[0]
    item, grade = parse.parse_grade_cell(cell, course_id=2, user_id=5)
    assert isinstance(item, GradeItemRecord) and isinstance(grade, GradeRecord)
    assert (item.lms_item_id, item.item_module, item.item_instance, item.grade_max) == (
        2,
        "assign",
        1,
        100.0,
    )
    assert (grade.grade, grade.overridden, grade.graded_at) == (97.0, True, 1795641370)


def test_gradebook_hidden_grade_and_empty_cell() -> None:
    cells = {
        c["id"]: c
        for c in grade_cells("gradereport_user_get_grade_items__single_user_hidden_grade")
    }
    _, hidden = parse.parse_grade_cell(cells[14], course_id=2, user_id=6)
    assert isinstance(hidden, GradeRecord) and hidden.hidden and hidden.grade == 6.0
    assert len(parse.parse_grade_cell(cells[2], course_id=2, user_id=6)) == 1  # no grade row


def test_course_total_item_has_no_name() -> None:
    cells = grade_cells("gradereport_user_get_grade_items__single_user_overridden")
    total = next(c for c in cells if c["itemtype"] == "course")
    item = parse.parse_grade_cell(total, course_id=2, user_id=5)[0]
    assert isinstance(item, GradeItemRecord) and item.name is None and item.item_type == "course"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"graderaw": "abc"}, "graderaw: expected a number"),
        ({"id": "x1"}, "id: expected an integer"),
        ({"gradedategraded": -1}, "timestamp must not be negative"),
    ],
)
def test_broken_gradebook_cells_are_refused(change: dict[str, Any], reason: str) -> None:
    cell = dict(grade_cells("gradereport_user_get_grade_items__single_user_overridden")[0])
    cell.update(change)
    with pytest.raises(ValueError, match=reason):
        parse.parse_grade_cell(cell, course_id=2, user_id=5)


def test_grade_item_ids_sent_as_strings_are_read() -> None:
    cell = dict(grade_cells("gradereport_user_get_grade_items__single_user_overridden")[0])
    cell["id"] = "2"
    assert parse.parse_grade_cell(cell, course_id=2, user_id="5")[0].key == (2,)


@pytest.mark.parametrize(("text", "expected"), [("85.00000", 85.0), ("-1.00000", None)])
def test_assignment_grade_strings(text: str, expected: float | None) -> None:
    raw = answer("mod_assign_get_grades__all")["assignments"][0]["grades"][0]
    record = parse.parse_assignment_grade({**raw, "grade": text}, assignment_id=1)
    assert isinstance(record, AssignmentGradeRecord)
    assert record.grade == expected and record.grader_id == 3


@pytest.mark.parametrize(
    ("grade", "reason"), [("abc", "grade: expected a number"), ("-3.0", "impossible")]
)
def test_impossible_assignment_grades_are_refused(grade: str, reason: str) -> None:
    raw = answer("mod_assign_get_grades__all")["assignments"][0]["grades"][0]
    with pytest.raises(ValueError, match=reason):
        parse.parse_assignment_grade({**raw, "grade": grade}, assignment_id=1)


def test_hidden_grader_is_none() -> None:
    raw = answer("mod_assign_get_grades__all")["assignments"][0]["grades"][0]
    assert parse.parse_assignment_grade({**raw, "grader": -1}, assignment_id=1).grader_id is None


# --------------------------------------------------------------------------- assignments


def test_assignment_settings_are_sorted_and_scales_have_no_max_grade() -> None:
    courses = answer("mod_assign_get_assignments__courseids_includenotenrolled")["courses"]
    raw = courses[0]["assignments"][0]
    record = parse.parse_assignment(raw)
    assert record.settings == tuple(sorted(record.settings))
    assert ("onlinetext.assignsubmission.enabled", "1") in record.settings
    assert (record.max_grade, record.cutoff_date, record.due_date) == (100.0, None, 1796246166)
    assert parse.parse_assignment({**raw, "grade": -4}).max_grade is None
    shuffled = {**raw, "configs": list(reversed(raw["configs"]))}
    assert parse.parse_assignment(shuffled).hash == record.hash


def test_submission_online_text_and_null_timestarted() -> None:
    raw = answer("mod_assign_get_submissions__all")["assignments"][0]["submissions"][0]
    assert raw["timestarted"] is None
    record = parse.parse_submission(raw, assignment_id=1)
    assert record.online_text is not None and "print()" in record.online_text
    assert (record.lms_user_id, record.group_id, record.files) == (5, None, ())


def test_submission_files_keep_metadata_not_urls() -> None:
    raw = copy.deepcopy(
        answer("mod_assign_get_submissions__all")["assignments"][0]["submissions"][0]
    )
    url = "https://moodle.example.test/webservice/pluginfile.php/42/assignsubmission_file/x.pdf"
    files = [
        {
            "filename": "b.pdf",
            "filepath": "/",
            "filesize": 20,
            "fileurl": url,
            "timemodified": 1794431700,
            "mimetype": "application/pdf",
            "isexternalfile": False,
        },
        {
            "filename": "a.txt",
            "filepath": "/",
            "filesize": 3,
            "fileurl": url,
            "timemodified": 1794431600,
            "mimetype": "text/plain",
            "isexternalfile": False,
        },
    ]
    raw["plugins"].append(
        {
            "type": "file",
            "name": "File submissions",
            "fileareas": [{"area": "submission_files", "files": files}],
        }
    )
    record = parse.parse_submission(raw, assignment_id=1)
    assert record.files == (
        SubmissionFile("a.txt", "/", 3, "text/plain", 1794431600),
        SubmissionFile("b.pdf", "/", 20, "application/pdf", 1794431700),
    )
    assert url not in repr(record.content())


def test_team_submission_has_no_user() -> None:
    raw = answer("mod_assign_get_submissions__all")["assignments"][0]["submissions"][0]
    record = parse.parse_submission({**raw, "userid": 0, "groupid": 4}, assignment_id=1)
    assert (record.lms_user_id, record.group_id) == (None, 4)


# --------------------------------------------------------------------------- messages and logs


def test_message_record() -> None:
    raw = answer("core_message_get_conversation_messages__teacher_view")["messages"][1]
    record = parse.parse_message(raw, conversation_id=25, member_ids=(3, 5))
    assert (record.lms_message_id, record.from_user_id, record.time_created) == (2, 5, 1794464166)
    with pytest.raises(ValueError, match="timecreated: missing"):
        parse.parse_message({**raw, "timecreated": None}, conversation_id=25, member_ids=(3, 5))


def test_log_row_system_user_and_site_level_course() -> None:
    rows = load_sample("logstore_standard_log__rows")["response"]["json"]["rows"]
    system = next(r for r in rows if r["userid"] == -1)
    record = parse.parse_log_entry(system)
    assert (record.user_id, record.related_user_id, record.anonymous) == (-1, 5, False)
    site_level = parse.parse_log_entry({**rows[0], "courseid": 0, "other": "null"})
    assert site_level.course_id is None and site_level.other is None
    with pytest.raises(ValueError, match="crud"):
        parse.parse_log_entry({**rows[0], "crud": "x"})
