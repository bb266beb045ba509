"""The quick fit check on the row never passes what the full check refuses, and the store
sets misfits aside with their reason while it writes the rest (and what was only a doubt)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from bridge.clock import utcnow
from bridge.services.sync.column_fit import misfit, row_fit
from bridge.services.sync.record_store import RecordStore, WriteStats
from bridge.services.sync.row_codec import codec_for
from bridge.services.sync.tables import TABLE_OF
from bridge.store.db import make_engine, session_factory
from bridge.store.models import LmsAccount, LmsEnrolment
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


def _quick(record: Record) -> bool:
    table = TABLE_OF[type(record)].__table__
    codec = codec_for(type(record), table)
    row = codec.row(record, codec.read_key(record), "0" * 64, "moodle",
                    (None, "lms_sync", None, None))
    return row_fit(table, codec.columns)(row)


@pytest.mark.parametrize(("record", "fits"), CASES)
def test_quick_check_agrees_with_the_full_one(record: Record, fits: bool) -> None:
    assert (misfit(record) is None) is fits
    assert _quick(record) is fits


#: A backslash written as text looks like an escaped NUL in the stored JSON.
LOOKALIKE = EnrolmentRecord(lms_course_id=1, lms_user_id=6, roles=("a\\u0000b",))


def test_a_lookalike_is_only_a_doubt() -> None:
    assert _quick(LOOKALIKE) is False
    assert misfit(LOOKALIKE) is None


def _store(db_url: str, stream: str, records: list[Record]) -> WriteStats:
    engine = make_engine(db_url)
    store = RecordStore("moodle", run_id=None, now=utcnow(), stream=stream)
    try:
        with session_factory(engine)() as session, session.begin():
            return store.store(session, records)
    finally:
        engine.dispose()


def _stored(db_url: str, column: sa.ColumnElement[Any], order: sa.ColumnElement[Any]) -> list[Any]:
    engine = make_engine(db_url)
    with engine.connect() as connection:
        values = list(connection.scalars(sa.select(column).order_by(order)))
    engine.dispose()
    return values


def test_store_sets_misfits_aside_and_writes_the_rest(db_url: str) -> None:
    users = _store(db_url, "users", [_user(), _user(lms_user_id=6, first_name="x" * 201)])
    enrolments = _store(db_url, "enrolments", [
        LOOKALIKE, EnrolmentRecord(lms_course_id=1, lms_user_id=5, roles=("a\x00",))])

    assert _stored(db_url, LmsAccount.lms_user_id, LmsAccount.id) == [5]
    assert _stored(db_url, LmsEnrolment.roles, LmsEnrolment.id) == [["a\\u0000b"]]
    assert (users.created, enrolments.created, users.updated + enrolments.updated) == (1, 1, 0)
    assert [(r.stream, r.lms_id, r.reason) for r in users.rejects + enrolments.rejects] == [
        ("users", "6", "first_name: 201 characters, at most 200 fit"),
        ("enrolments", "1/5", "roles: contains a NUL character"),
    ]


def test_a_changed_row_is_looked_at_closer_too(db_url: str) -> None:
    """A changed record that only looks doubtful is updated; one that does not fit is set
    aside, and the row stored before stays as it was."""
    plain = EnrolmentRecord(lms_course_id=1, lms_user_id=6, roles=("student",))
    _store(db_url, "enrolments", [plain, EnrolmentRecord(lms_course_id=2, lms_user_id=6)])

    stats = _store(db_url, "enrolments", [
        LOOKALIKE, EnrolmentRecord(lms_course_id=2, lms_user_id=6, roles=("x\x00",))])

    assert (stats.created, stats.updated, stats.unchanged) == (0, 1, 0)
    assert [r.lms_id for r in stats.rejects] == ["2/6"]
    assert _stored(db_url, LmsEnrolment.roles, LmsEnrolment.lms_course_id) == [
        ["a\\u0000b"], []]
