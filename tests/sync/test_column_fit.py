"""The quick fit check agrees with the full one on every kind of value a column refuses."""

from __future__ import annotations

import pytest

from bridge.services.sync.column_fit import _fit_check, misfit, split_misfits
from connectors.records import (
    EnrolmentRecord,
    GradeRecord,
    Record,
    SubmissionFile,
    SubmissionRecord,
    UserRecord,
)


def _user(**changes: object) -> UserRecord:
    values: dict[str, object] = dict(lms_user_id=5, username="u", first_name="Äino",
                                     last_name="L", email="a@example.fi")
    values.update(changes)
    return UserRecord(**values)  # type: ignore[arg-type]


def _submission(filename: str) -> SubmissionRecord:
    return SubmissionRecord(
        lms_submission_id=1, lms_assignment_id=2, lms_user_id=3, group_id=None,
        status="submitted", attempt=0, grading_status=None, online_text="ok",
        files=(SubmissionFile(filename, "/", 1, None, None),),
    )


CASES: list[tuple[Record, bool]] = [
    (_user(), True),
    (_user(first_name="x" * 201), False),
    (_user(first_name="a\x00b"), False),
    (_user(lms_user_id=2**63), False),
    (_user(email="İ" * 200), False),  # lower-casing makes 400 characters of 320
    (_user(custom_fields=(("employer", "a\x00"),)), False),
    (_user(first_access=2**40), True),
    (GradeRecord(lms_item_id=1, lms_user_id=2, lms_course_id=3, grade=1.5), True),
    (GradeRecord(lms_item_id=1, lms_user_id=2, lms_course_id=-(2**63) - 1, grade=None), False),
    (EnrolmentRecord(lms_course_id=1, lms_user_id=2, roles=("student\x00",)), False),
    (_submission("a.pdf"), True),
    (_submission("a\x00.pdf"), False),
]


@pytest.mark.parametrize(("record", "fits"), CASES)
def test_quick_check_agrees_with_the_full_one(record: Record, fits: bool) -> None:
    assert (misfit(record) is None) is fits
    assert _fit_check(type(record)).fits(record) is fits


def test_misfits_are_set_aside_with_their_reason() -> None:
    fit, rejects = split_misfits("users", [_user(), _user(lms_user_id=6, first_name="x" * 201)])
    assert fit == [_user()]
    assert [r.reason for r in rejects] == ["first_name: 201 characters, at most 200 fit"]
