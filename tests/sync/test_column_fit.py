"""The quick fit check on the row never passes what the full check refuses, and the store
sets misfits aside with their reason while it writes the rest (and what was only a doubt)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bridge.registry.base import utcnow
from bridge.registry.db import make_engine, session_factory
from bridge.registry.models import LmsAccount, LmsEnrolment
from bridge.services.sync.column_fit import misfit, row_fit
from bridge.services.sync.record_store import RecordStore
from bridge.services.sync.row_codec import codec_for
from bridge.services.sync.tables import TABLE_OF
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


def test_store_sets_misfits_aside_and_writes_the_rest(db_url: str) -> None:
    records: list[Record] = [_user(), _user(lms_user_id=6, first_name="x" * 201), LOOKALIKE,
                             EnrolmentRecord(lms_course_id=1, lms_user_id=5, roles=("a\x00",))]
    engine = make_engine(db_url)
    store = RecordStore("moodle", run_id=None, now=utcnow(), stream="users")
    with session_factory(engine)() as session, session.begin():
        stats = store.store(session, records)
    with engine.connect() as connection:
        accounts = connection.scalars(sa.select(LmsAccount.lms_user_id)).all()
        roles = connection.scalars(sa.select(LmsEnrolment.roles)).all()
    engine.dispose()
    assert accounts == [5]
    assert roles == [["a\\u0000b"]]
    assert (stats.created, stats.updated) == (2, 0)
    assert [(r.lms_id, r.reason) for r in store.rejects] == [
        ("6", "first_name: 201 characters, at most 200 fit"),
        ("1/5", "roles: contains a NUL character"),
    ]
