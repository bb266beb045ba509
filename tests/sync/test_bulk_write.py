"""The bulk write path: the same register and the same write counts on SQLite and on
PostgreSQL's staged COPY path, nothing written when nothing changed, and hashes that
match the records' own."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.clock import utcnow
from bridge.services.sync.record_store import RecordStore
from bridge.services.sync.row_codec import codec_for
from bridge.services.sync.tables import TABLE_OF
from bridge.store.db import make_engine, session_factory
from bridge.store.models import LmsAccount, LmsGrade
from bridge.store.schema import upgrade
from bridge.store.write_counter import WriteCounter
from connectors.records import (
    AssignmentRecord,
    EnrolmentRecord,
    GradeRecord,
    MessageRecord,
    Record,
    SubmissionFile,
    SubmissionRecord,
    UserRecord,
)
from tests.conftest import TEST_DATABASE_URL
from tests.sync.helpers import snapshot


def _records(learners: int, *, grade_shift: float = 0.0) -> list[Record]:
    records: list[Record] = []
    for uid in range(1, learners + 1):
        records.append(UserRecord(
            lms_user_id=uid, username=f"u{uid}", first_name="Äino", last_name=f"L{uid}",
            email=f" U{uid}@Example.fi ", custom_fields=(("employer", "1234567-1"),),
            last_access=uid,
        ))
        records.append(EnrolmentRecord(lms_course_id=7, lms_user_id=uid, roles=("student",),
                                       groups=("A",), last_course_access=uid))
        records.append(GradeRecord(lms_item_id=70, lms_user_id=uid, lms_course_id=7,
                                   grade=uid % 10 + grade_shift, feedback="hyvä"))
        records.append(SubmissionRecord(
            lms_submission_id=uid, lms_assignment_id=3, lms_user_id=uid, group_id=None,
            status="submitted", attempt=0, grading_status=None, online_text=None,
            files=(SubmissionFile("a.pdf", "/", 10, "application/pdf", 5),),
        ))
    records.append(AssignmentRecord(lms_assignment_id=3, lms_course_id=7, cmid=30, name="T",
                                    settings=(("duedate", "0"),)))
    records.append(MessageRecord(lms_message_id=1, lms_conversation_id=1, from_user_id=1,
                                 member_ids=(1, 2), text="<p>hei</p>", time_created=1))
    return records


def _store(url: str, batches: list[list[Record]]) -> list[int]:
    """Store each batch in its own transaction; the data rows each one wrote."""
    engine = make_engine(url)
    sessions = session_factory(engine)
    written = []
    try:
        for batch in batches:
            counter = WriteCounter(engine)
            with sessions() as session, session.begin():
                RecordStore("moodle", run_id=None, now=utcnow()).store(session, batch)
            counter.close()
            written.append(counter.rows)
    finally:
        engine.dispose()
    return written


def _sequence() -> list[list[Record]]:
    """New rows, a batch where some grades changed, then both again (nothing changed)."""
    first, changed = _records(30), _records(30, grade_shift=0.5)
    return [first[:60], first[60:], changed, changed[:60], changed[60:]]


def test_fast_hash_is_the_records_own_hash() -> None:
    odd = [
        GradeRecord(lms_item_id=1, lms_user_id=2, lms_course_id=3, grade=float("nan"),
                    feedback='"\\\u202e\x00 ☃', graded_at=None, hidden=True),
        GradeRecord(lms_item_id=1, lms_user_id=3, lms_course_id=3, grade=1e300),
        UserRecord(lms_user_id=9, username=None, first_name="Ö", last_name=None, email=None,
                   custom_fields=(("b", "2"), ("a", "1"))),
        UserRecord(lms_user_id=10, username="x", first_name=None, last_name=None, email=None,
                   custom_fields=(("%s", "1"),)),
        EnrolmentRecord(lms_course_id=1, lms_user_id=2, roles=("student", "teacher"),
                        groups=("a,b",)),
        EnrolmentRecord(lms_course_id=1, lms_user_id=3),
        SubmissionRecord(lms_submission_id=1, lms_assignment_id=2, lms_user_id=None,
                         group_id=4, status="new", attempt=0, grading_status=None,
                         online_text="\x00\\u0000", files=(
                             SubmissionFile("b.txt", "/", 3, None, 5),
                             SubmissionFile("a\u00e4", "/x/", 4, "text/plain", None))),
        MessageRecord(lms_message_id=1, lms_conversation_id=2, from_user_id=3,
                      member_ids=(1, True), text="", time_created=0),
        # a value that is not of its declared type: a list where text belongs
        GradeRecord(lms_item_id=1, lms_user_id=4, lms_course_id=3, grade=None,
                    feedback=["a", {"b": (1, 2.5)}]),  # type: ignore[arg-type]
    ]
    for record in [*_records(3), *odd]:
        codec = codec_for(type(record), TABLE_OF[type(record)].__table__)
        assert codec.read_key(record) == record.key
        assert codec.digest(record) == record.hash


def test_no_change_batch_writes_no_row(db_url) -> None:
    records = _records(20)
    assert _store(db_url, [records, records]) == [len(records) + 40, 0]  # + 20 persons, 20 links


def test_changed_rows_only_are_rewritten_and_removal_marks_cleared(db_url) -> None:
    _store(db_url, [_records(10)])
    engine = make_engine(db_url)
    with engine.begin() as connection:
        connection.execute(sa.update(LmsAccount).where(LmsAccount.lms_user_id == 4)
                           .values(removed_in_lms_at=utcnow()))
    engine.dispose()
    # 10 grades changed, user 4 seen again after being marked removed
    assert _store(db_url, [_records(10, grade_shift=1.0)]) == [11]
    engine = make_engine(db_url)
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).where(
            LmsAccount.removed_in_lms_at.is_not(None))) == 0
        grades = connection.scalars(sa.select(LmsGrade.grade).order_by(LmsGrade.lms_user_id))
        assert list(grades) == [uid % 10 + 1.0 for uid in range(1, 11)]
    engine.dispose()


@pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="compares PostgreSQL's staged path with SQLite: needs BRIDGE_TEST_DATABASE_URL",
)
def test_staged_postgres_and_sqlite_give_the_same_register_and_writes(
    db_url, tmp_path: Path
) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'beside.sqlite3'}"
    engine = make_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    batches = _sequence()
    postgres_writes = _store(db_url, batches)
    sqlite_writes = _store(sqlite_url, batches)
    assert postgres_writes == sqlite_writes
    assert postgres_writes[-2:] == [0, 0]
    assert snapshot(db_url) == snapshot(sqlite_url)


def test_two_stores_in_one_transaction_do_not_collide(db_url) -> None:
    """The PostgreSQL staging table is reused within a transaction: the second table write
    must not see the first one's staged rows."""
    first, changed = _records(5), _records(5, grade_shift=2.0)
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        RecordStore("moodle", run_id=None, now=utcnow()).store(session, first)
        RecordStore("moodle", run_id=None, now=utcnow()).store(session, changed)
    with engine.connect() as connection:
        grades = connection.scalars(sa.select(LmsGrade.grade).order_by(LmsGrade.lms_user_id))
        assert list(grades) == [uid % 10 + 2.0 for uid in range(1, 6)]
    engine.dispose()
