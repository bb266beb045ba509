"""The activity streams against recorded answers: assignments, submissions, grades and
logs (messages: ``test_streams_messages.py``)."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from connectors.base import StreamUnavailable
from connectors.moodle.config import PageSizes
from connectors.moodle.functions import LOG_FUNCTION
from connectors.records import (
    AssignmentGradeRecord,
    AssignmentRecord,
    LogEntryRecord,
    SubmissionRecord,
)
from tests.connectors.moodle.fake_moodle import (
    FakeMoodle,
    Handler,
    answer,
    listed,
    pull,
    records,
)
from tests.connectors.moodle.samples import load_sample

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
    assert not batches[-1].complete and "about course 9999: 1" in caplog.text
    assert "No access rights" not in caplog.text  # Moodle's wording can name people


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
