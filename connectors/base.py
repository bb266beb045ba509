"""The interface between the register and an LMS.

A connector turns one LMS's protocol into typed records (``pull``), carries out
typed push commands (``push``) and reads back what the LMS says about a person
(``read_state``). It never imports the register: the engine in
``bridge.services`` decides what to store and when.

Connector kinds are found through the entry-point group ``bridge.connectors``,
so a second LMS is one more package and one more entry point.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from threading import Event
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, SecretStr

from connectors.records import Batch, Bookmark
from connectors.root import BridgeError, describe
from connectors.simulation import LmsSimulator

# --------------------------------------------------------------------------- errors


class ConnectorError(BridgeError):
    """Root of every error a connector raises (beneath the product's root): the operation
    failed (exit 1)."""


class TransientError(ConnectorError):
    """A failure that may succeed when tried again later (timeouts, 5xx, maintenance)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def described(self) -> str:
        return f"{self} (try again later)"


class TerminalError(ConnectorError):
    """A failure that will not go away by retrying: it needs a change of configuration."""

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        super().__init__(message)
        self.fix = fix


class Unreachable(TransientError):
    """The LMS cannot be reached at all: the connection is refused, the host name does not
    resolve, or nothing answers the connect. Every stream and push fails alike, so callers
    say it once per connector. A daemon retries it at its next run; a person at the
    command line is told what to check instead (``fix``).
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        url: str,
        cause: str,
        lms: str = "the LMS",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message or f"cannot reach {url}: {cause}", retry_after=retry_after)
        self.url = url
        self.cause = cause
        self.fix = unreachable_fix(url, lms)

    def described(self) -> str:
        return describe(self)


def unreachable_fix(url: str, lms: str = "the LMS") -> str:
    """What to check when ``url`` cannot be reached: the one wording of it."""
    return (
        f"check that {lms} is running and answers at {url}, that its host name resolves "
        "(DNS), and that no firewall or proxy between here and there blocks the connection"
    )


class AccessRefused(TerminalError):
    """The LMS refuses the bridge itself, not the one request: its token, a permission
    (capability) of its account, a function its service lacks. Every push of the connector
    would fail alike until a person fixes that, so the register holds such pushes back as
    an alarm and runs them again once the cause is proven fixed. ``cause`` says which:
    ``token``, ``permission``, ``function`` or ``connection``."""

    cause: ClassVar[str] = "permission"


class ConnectionRefused(AccessRefused):
    """The LMS refuses the connection itself (bad token, web services off, wrong URL, TLS):
    no stream can run until the configuration is fixed."""

    cause: ClassVar[str] = "connection"


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
    "approve_request",
    "deny_request",
]


@dataclass(frozen=True, slots=True)
class PushCommand:
    """One change the register asks the LMS to make for one person."""

    action: PushAction
    lms_user_id: int
    course_ids: tuple[int, ...] = ()
    changes: Mapping[str, Any] = field(default_factory=dict)
    lms_request_id: int | None = None  # the LMS's own request (privacy, approve, deny)


@dataclass(frozen=True, slots=True)
class LmsState:
    """What the LMS says about one account, for verification and drift checks.

    After a push it is the connector's read-back of what that push touched:
    ``active_course_ids`` the courses (of those an unenrolment named) where the account
    is still actively enrolled, ``fields`` the profile values a rectification asked for,
    under the names the command used (custom fields as a mapping of short names).
    After an erasure, ``remains`` is what the LMS still holds naming the account, read
    back after the deletion: per place a count of rows (and a few flags of the account's
    own row), no values; ``None`` when the LMS could not be asked.
    """

    lms_user_id: int
    exists: bool
    suspended: bool | None = None
    active_course_ids: tuple[int, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)
    remains: Mapping[str, int | bool] | None = None


@dataclass(frozen=True, slots=True)
class PushResult:
    """What a push did, and the account as the connector read it back afterwards.

    ``state`` is the connector's own read-back (CONTRACTS 13: ``applied`` and
    ``already_applied`` only after reading back). The connector reports what it read;
    it does not judge it: the push worker alone decides from ``state`` whether the
    command held (``bridge.services.push.verdict``), without asking the LMS again.
    Every action carries it: existence and suspension for the account actions, the
    named courses still active for an unenrolment, the asked-for fields for a
    rectification.
    """

    outcome: Literal["applied", "already_applied", "pending", "transient_error", "terminal_error"]
    reason: str = ""
    lms_request_id: int | None = None
    state: LmsState | None = None
    #: For a terminal error of :class:`AccessRefused`: its ``cause`` (a person must fix it).
    refused: str | None = None

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

    @classmethod
    def from_error(cls, error: ConnectorError, fix: str | None = None) -> PushResult:
        """The one mapping from a connector's error to a push's result: a terminal error
        fails the command with what to do about it (``fix`` when the caller knows a more
        precise one); any other is tried again later."""
        if isinstance(error, TerminalError):
            refused = error.cause if isinstance(error, AccessRefused) else None
            return cls("terminal_error", describe(error, fix), refused=refused)
        if isinstance(error, Unreachable):
            return cls.transient_error(describe(error))
        return cls.transient_error(str(error))


# --------------------------------------------------------------------------- data requests


@dataclass(frozen=True, slots=True)
class LmsDataRequest:
    """A data-subject request a person filed in the LMS itself (export or erasure of their
    data), as the register records it: ``filed_at`` is when the LMS received it (UTC),
    ``filed_by`` the LMS user who filed it (the person, or someone on their behalf),
    ``finished`` whether the LMS is done with it, ``withdrawn`` whether the person (or
    someone for them) cancelled it in the LMS."""

    lms_request_id: int
    lms_user_id: int
    kind: Literal["export", "erasure"]
    filed_at: datetime
    filed_by: int
    lms_status: str = ""
    finished: bool = False
    withdrawn: bool = False

    @property
    def by_the_person(self) -> bool:
        return self.filed_by == self.lms_user_id


@dataclass(frozen=True, slots=True)
class DataRequests:
    """One read of the LMS's data requests: the people's own ones (never those the
    connector made for the register's erasures, nor the LMS's automatic ones) and the
    highest request id the read saw, the next read's ``after_id``. ``unavailable`` says
    why the LMS could not be asked (then nothing was read)."""

    requests: tuple[LmsDataRequest, ...] = ()
    last_id: int = 0
    unavailable: str | None = None


# --------------------------------------------------------------------------- connector


class LmsSettings(BaseModel):
    """The keys of ``[connectors.NAME]`` that only this kind of LMS has.

    The register validates the section's general keys (url, token, streams, ...) and
    hands every other key to the connector's model, so a typo is still an error.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    #: Cadence per stream when the configuration gives none: a duration or "cron: ...".
    default_schedule: ClassVar[Mapping[str, str]] = {}


class Connector(ABC):
    """A connection to one LMS site."""

    #: Streams this connector can pull, in the order a full sync runs them.
    streams: ClassVar[tuple[str, ...]] = ()
    #: The model of this connector's own configuration keys.
    settings_model: ClassVar[type[LmsSettings]] = LmsSettings

    @classmethod
    @abstractmethod
    def from_options(
        cls, options: Mapping[str, Any], token: SecretStr, *, stop_event: Event | None = None
    ) -> Connector:
        """Build the connector from its configuration section (plain values) and its token."""

    @classmethod
    def simulator(cls) -> LmsSimulator | None:
        """This kind's simulated LMS for the demo and `bridge simulator serve`
        (:mod:`connectors.simulation`); None (the default) when the kind has none. A kind
        imports its simulator here, when asked, never at module level."""
        return None

    def prove_access(self) -> None:  # noqa: B027 - optional hook
        """One cheap call proving the LMS accepts the token, made before every sync (even one
        with no stream due); raises :class:`AccessRefused` when it does not. A connector
        without such a call proves nothing here: its first stream does."""

    @abstractmethod
    def check(self) -> CheckReport:
        """Diagnose the connection, the service's functions and the account's rights."""

    @abstractmethod
    def pull(self, stream: str, bookmark: Bookmark | None) -> Iterator[Batch]:
        """Yield the stream's records since ``bookmark`` (everything when ``None``)."""

    @abstractmethod
    def push(self, command: PushCommand) -> PushResult:
        """Carry out one command idempotently and read its effect back (``PushResult.state``)."""

    def push_many(self, commands: Sequence[PushCommand]) -> list[PushResult]:
        """Carry out many commands, one result each in order, verified like :meth:`push`.

        A connector whose LMS takes many accounts per call overrides this to use far
        fewer requests (a thousand revocations at once); each command is still one
        person's, settled by its own read-back. The default pushes one by one.
        """
        return [self.push(command) for command in commands]

    @abstractmethod
    def read_state(self, lms_user_id: int) -> LmsState:
        """Read back one account's state from the LMS."""

    @abstractmethod
    def existing_users(self, lms_user_ids: Collection[int]) -> set[int]:
        """Which of these accounts the LMS still has, asked by id (a deleted or unknown one
        is left out): a reconciliation confirms with it that an account missing from a
        listing is really gone before marking it removed."""

    def data_requests(self, after_id: int) -> DataRequests:
        """The people's own data requests: every one the LMS has not finished, and every one
        with an id above ``after_id`` whatever its status, read in bounded pages, so a
        register that was not looking for days misses none. Carried out with the push
        actions ``approve_request`` and ``deny_request``. An LMS where people cannot file
        requests has none (the default); one that has them but cannot be asked says why."""
        return DataRequests(last_id=after_id)

    @property
    def request_count(self) -> int:
        """HTTP requests made so far (for run statistics)."""
        return 0

    def give_up_quickly_when_unreachable(self) -> None:  # noqa: B027 - optional hook
        """A person is waiting for this run: when the LMS cannot be reached at all, try
        once more after a short pause and then raise :class:`Unreachable`, instead of the
        long backoff a daemon can afford."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release network resources."""
