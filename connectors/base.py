"""The interface between the register and an LMS.

A connector turns one LMS's protocol into typed records (``pull``), carries out
typed push commands (``push``) and reads back what the LMS says about a person
(``read_state``). It never imports the register: the engine in
``bridge.services`` decides what to store and when.

Connector kinds are found through the entry-point group ``bridge.connectors``,
so a second LMS is one more package and one more entry point.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from threading import Event
from typing import Any, ClassVar, Literal

from pydantic import SecretStr

# --------------------------------------------------------------------------- errors


class ConnectorError(Exception):
    """Root of every error a connector raises."""


class TransientError(ConnectorError):
    """A failure that may succeed when tried again later (timeouts, 5xx, maintenance)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TerminalError(ConnectorError):
    """A failure that will not go away by retrying: it needs a change of configuration."""

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        super().__init__(message)
        self.fix = fix


def describe(error: TerminalError, fix: str | None = None) -> str:
    """A terminal error as one line with what to do about it: ``message (fix: ...)``.

    The one place the fix is worded, so a push's last error, a sync run's error
    and the CLI's message read alike. ``fix`` replaces the error's own when the
    caller knows a more precise one.
    """
    fix = fix or error.fix
    return f"{error} (fix: {fix})" if fix else str(error)


class ConnectionRefused(TerminalError):
    """The LMS refuses the connection itself (bad token, web services off, wrong URL, TLS):
    no stream can run until the configuration is fixed."""


class StreamUnavailable(TerminalError):
    """A stream cannot be read on this LMS (e.g. a companion plugin is not installed)."""


# --------------------------------------------------------------------------- streams

#: Every stream a connector may offer, in the order a sync runs them. The one list of
#: stream names: settings, the engine and the register all refer to it.
STREAM_NAMES: tuple[str, ...] = (
    "users",
    "courses",
    "enrolments",
    "gradebook",
    "assignments",
    "submissions",
    "assignment_grades",
    "messages",
    "logs",
)
#: A stream name as a type (for settings validation).
StreamName = Literal[STREAM_NAMES]  # type: ignore[valid-type]

# --------------------------------------------------------------------------- records


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
    """

    stream: str
    records: tuple[Record, ...] = ()
    rejects: tuple[Reject, ...] = ()
    checkpoint: Bookmark | None = None
    complete: bool = False
    scope: Mapping[str, Any] | None = None


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str = ""
    fix: str | None = None
    warning: bool = False


@dataclass(frozen=True, slots=True)
class CheckReport:
    lms_version: str | None
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks if not c.warning)


# --------------------------------------------------------------------------- push


PushAction = Literal[
    "suspend",
    "unsuspend",
    "unenrol",
    "delete_user",
    "privacy_delete",
    "rectify",
]


@dataclass(frozen=True, slots=True)
class PushCommand:
    """One change the register asks the LMS to make for one person."""

    action: PushAction
    lms_user_id: int
    course_ids: tuple[int, ...] = ()
    changes: Mapping[str, Any] = field(default_factory=dict)
    lms_request_id: int | None = None  # privacy request already created, if any


@dataclass(frozen=True, slots=True)
class LmsState:
    """What the LMS says about one account, for verification and drift checks."""

    lms_user_id: int
    exists: bool
    suspended: bool | None = None
    active_course_ids: tuple[int, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PushResult:
    """What a push did, and the account as the connector read it back afterwards.

    ``state`` is the connector's own read-back (CONTRACTS 13: ``applied`` and
    ``already_applied`` only after reading back), so the worker decides from it
    instead of asking the LMS a second time. It is ``None`` when the action
    leaves nothing on the account to verify (an unenrolment is verified per
    course by the connector itself); it holds existence and suspension, and
    not the courses or profile fields that only :meth:`Connector.read_state`
    reads.
    """

    outcome: Literal["applied", "already_applied", "pending", "transient_error", "terminal_error"]
    reason: str = ""
    lms_request_id: int | None = None
    state: LmsState | None = None

    @classmethod
    def applied(cls, reason: str = "", state: LmsState | None = None) -> PushResult:
        return cls("applied", reason, state=state)

    @classmethod
    def already_applied(cls, reason: str = "", state: LmsState | None = None) -> PushResult:
        return cls("already_applied", reason, state=state)

    @classmethod
    def transient_error(cls, reason: str) -> PushResult:
        return cls("transient_error", reason)

    @classmethod
    def terminal_error(cls, reason: str) -> PushResult:
        return cls("terminal_error", reason)


# --------------------------------------------------------------------------- connector


class Connector(ABC):
    """A connection to one LMS site."""

    #: Streams this connector can pull, in the order a full sync runs them.
    streams: ClassVar[tuple[str, ...]] = ()

    @classmethod
    @abstractmethod
    def from_options(
        cls, options: Mapping[str, Any], token: SecretStr, *, stop_event: Event | None = None
    ) -> Connector:
        """Build the connector from its configuration section (plain values) and its token."""

    @abstractmethod
    def check(self) -> CheckReport:
        """Diagnose the connection, the service's functions and the account's rights."""

    @abstractmethod
    def pull(self, stream: str, bookmark: Bookmark | None) -> Iterator[Batch]:
        """Yield the stream's records since ``bookmark`` (everything when ``None``)."""

    @abstractmethod
    def push(self, command: PushCommand) -> PushResult:
        """Carry out one command idempotently and read its effect back (``PushResult.state``)."""

    @abstractmethod
    def read_state(self, lms_user_id: int) -> LmsState:
        """Read back one account's state from the LMS."""

    @property
    def request_count(self) -> int:
        """HTTP requests made so far (for run statistics)."""
        return 0

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release network resources."""
