"""Which register table holds each kind of LMS record."""

from __future__ import annotations

from bridge.store.base import Base
from bridge.store.models import (
    LmsAccount,
    LmsAssignment,
    LmsAssignmentGrade,
    LmsCourse,
    LmsEnrolment,
    LmsGrade,
    LmsGradeItem,
    LmsLogEntry,
    LmsMessage,
    LmsSubmission,
)
from connectors.records import (
    AssignmentGradeRecord,
    AssignmentRecord,
    CourseRecord,
    EnrolmentRecord,
    GradeItemRecord,
    GradeRecord,
    LogEntryRecord,
    MessageRecord,
    Record,
    SubmissionRecord,
    UserRecord,
)

#: Record type → register table.
TABLE_OF: dict[type[Record], type[Base]] = {
    UserRecord: LmsAccount,
    CourseRecord: LmsCourse,
    EnrolmentRecord: LmsEnrolment,
    GradeItemRecord: LmsGradeItem,
    GradeRecord: LmsGrade,
    AssignmentRecord: LmsAssignment,
    SubmissionRecord: LmsSubmission,
    AssignmentGradeRecord: LmsAssignmentGrade,
    MessageRecord: LmsMessage,
    LogEntryRecord: LmsLogEntry,
}


def stream_tables(stream: str) -> tuple[type[Base], ...]:
    """The register tables a stream's records are stored in."""
    return tuple(dict.fromkeys(t for r, t in TABLE_OF.items() if r.stream == stream))
