"""The typed records a connector pulls, and the batches that carry them to the register.

Kept apart from the interface in :mod:`connectors.base` because the records are
the vocabulary the register stores, while the interface is what a connector must
implement. Each record type names its stream (one of
``connectors.base.STREAM_NAMES``) and the fields that identify it; its content
hash lets the register write only what changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Literal


def content_hash(values: Mapping[str, Any]) -> str:
    """A stable hash of a record's content, used to write only what changed."""
    encoded = json.dumps(values, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Record:
    """A typed record pulled from the LMS.

    ``key`` fields identify the record within its connector; every other field
    is content. ``hash_exclude`` names content fields that change without the
    person's data changing (e.g. last-access times) and so must not count as
    a change.
    """

    #: The stream that yields records of this type (one of ``STREAM_NAMES``).
    stream: ClassVar[str] = ""
    key_fields: ClassVar[tuple[str, ...]] = ()
    hash_exclude: ClassVar[tuple[str, ...]] = ()

    @property
    def key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.key_fields)

    def content(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def hash(self) -> str:
        values = {k: v for k, v in asdict(self).items() if k not in self.hash_exclude}
        return content_hash(values)


@dataclass(frozen=True, slots=True)
class UserRecord(Record):
    stream: ClassVar[str] = "users"
    key_fields: ClassVar[tuple[str, ...]] = ("lms_user_id",)
    hash_exclude: ClassVar[tuple[str, ...]] = ("last_access",)

    lms_user_id: int
    username: str | None
    first_name: str | None
    last_name: str | None
    email: str | None
    idnumber: str | None = None
    phone1: str | None = None
    phone2: str | None = None
    institution: str | None = None
    department: str | None = None
    city: str | None = None
    country: str | None = None
    auth: str | None = None
    suspended: bool = False
    deleted: bool = False
    first_access: int | None = None
    last_access: int | None = None
    custom_fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CourseRecord(Record):
    stream: ClassVar[str] = "courses"
    key_fields: ClassVar[tuple[str, ...]] = ("lms_course_id",)

    lms_course_id: int
    shortname: str
    fullname: str
    category_id: int | None = None
    start_date: int | None = None
    end_date: int | None = None
    visible: bool = True


@dataclass(frozen=True, slots=True)
class EnrolmentRecord(Record):
    stream: ClassVar[str] = "enrolments"
    key_fields: ClassVar[tuple[str, ...]] = ("lms_course_id", "lms_user_id")
    hash_exclude: ClassVar[tuple[str, ...]] = ("last_course_access",)

    lms_course_id: int
    lms_user_id: int
    roles: tuple[str, ...] = ()
    status: Literal["active", "suspended"] = "active"
    groups: tuple[str, ...] = ()
    last_course_access: int | None = None


@dataclass(frozen=True, slots=True)
class GradeItemRecord(Record):
    stream: ClassVar[str] = "gradebook"
    key_fields: ClassVar[tuple[str, ...]] = ("lms_item_id",)

    lms_item_id: int
    lms_course_id: int
    name: str | None
    item_type: str
    item_module: str | None = None
    item_instance: int | None = None
    grade_max: float | None = None
    grade_min: float | None = None


@dataclass(frozen=True, slots=True)
class GradeRecord(Record):
    stream: ClassVar[str] = "gradebook"
    key_fields: ClassVar[tuple[str, ...]] = ("lms_item_id", "lms_user_id")

    lms_item_id: int
    lms_user_id: int
    lms_course_id: int
    grade: float | None
    feedback: str | None = None
    graded_at: int | None = None
    hidden: bool = False
    overridden: bool = False


@dataclass(frozen=True, slots=True)
class AssignmentRecord(Record):
    stream: ClassVar[str] = "assignments"
    key_fields: ClassVar[tuple[str, ...]] = ("lms_assignment_id",)

    lms_assignment_id: int
    lms_course_id: int
    cmid: int
    name: str
    due_date: int | None = None
    cutoff_date: int | None = None
    max_grade: float | None = None
    blind_marking: bool = False
    team_submission: bool = False
    time_modified: int | None = None
    settings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class SubmissionFile:
    filename: str
    filepath: str
    filesize: int
    mimetype: str | None
    time_modified: int | None


@dataclass(frozen=True, slots=True)
class SubmissionRecord(Record):
    stream: ClassVar[str] = "submissions"
    key_fields: ClassVar[tuple[str, ...]] = ("lms_submission_id",)

    lms_submission_id: int
    lms_assignment_id: int
    lms_user_id: int | None  # None for a group (team) submission
    group_id: int | None
    status: str
    attempt: int
    grading_status: str | None
    online_text: str | None
    files: tuple[SubmissionFile, ...] = ()
    time_created: int | None = None
    time_modified: int | None = None


@dataclass(frozen=True, slots=True)
class AssignmentGradeRecord(Record):
    stream: ClassVar[str] = "assignment_grades"
    key_fields: ClassVar[tuple[str, ...]] = ("lms_grade_id",)

    lms_grade_id: int
    lms_assignment_id: int
    lms_user_id: int
    attempt: int
    grade: float | None  # None when Moodle says "-1.00000" (no grade)
    grader_id: int | None
    time_created: int | None = None
    time_modified: int | None = None


@dataclass(frozen=True, slots=True)
class MessageRecord(Record):
    stream: ClassVar[str] = "messages"
    key_fields: ClassVar[tuple[str, ...]] = ("lms_message_id",)

    lms_message_id: int
    lms_conversation_id: int
    from_user_id: int
    member_ids: tuple[int, ...]
    text: str
    time_created: int


@dataclass(frozen=True, slots=True)
class LogEntryRecord(Record):
    stream: ClassVar[str] = "logs"
    key_fields: ClassVar[tuple[str, ...]] = ("lms_log_id",)

    lms_log_id: int
    event_name: str
    component: str
    action: str
    target: str
    crud: str
    edu_level: int
    context_id: int
    context_level: int
    context_instance_id: int
    user_id: int
    course_id: int | None
    related_user_id: int | None
    anonymous: bool
    other: str | None
    time_created: int
    origin: str | None
    ip: str | None
    real_user_id: int | None = None
    object_table: str | None = None
    object_id: int | None = None


# --------------------------------------------------------------------------- batches


@dataclass(frozen=True, slots=True)
class Reject:
    """An LMS record that failed validation; quarantined with its reason."""

    stream: str
    reason: str
    payload: Mapping[str, Any]  # raw record, never containing the token
    lms_id: str | None = None


Bookmark = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Batch:
    """What one step of a pull yields.

    The engine stores ``records``, ``rejects`` and ``checkpoint`` in one
    transaction. ``checkpoint`` is ``None`` when resuming from here would not be
    safe (streams without a server-side filter); such a stream restarts from
    its last stored bookmark after a crash. ``complete`` is set on the last
    batch of a full listing: only then may the engine conclude that what it did
    not see has disappeared from the LMS (``scope`` says which part was listed).
    A batch that is not ``complete`` may still carry the ``scope`` it lists (e.g. one
    course) and, when the LMS left something out, ``incomplete_reason``: the engine
    then keeps the removal marks of that scope (or of the whole stream) as they were.
    ``unchanged``: the LMS says nothing the stream reads changed since the bookmark's read,
    so the stream was not read again and the register's copy is current (the batch carries
    nothing else, and the stored bookmark stays).
    """

    stream: str
    records: tuple[Record, ...] = ()
    rejects: tuple[Reject, ...] = ()
    checkpoint: Bookmark | None = None
    complete: bool = False
    scope: Mapping[str, Any] | None = None
    incomplete_reason: str | None = None
    unchanged: bool = False
