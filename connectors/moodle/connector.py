"""The Moodle connector: streams in, pushes out, read-backs in between.

Reads go through the declarative streams of :mod:`connectors.moodle.streams`.
Pushes follow CONTRACTS 6 and reference 3.7: each is idempotent, reads the
account first (``already_applied`` is only reported after a read-back) and
reads its effect back afterwards; the account as read back travels in
``PushResult.state``, and the push worker alone judges it (it need not read again).
Accounts are looked up with ``core_user_get_users`` by id, which answers ``[]`` for a
deleted user, never with ``core_user_get_users_by_field``, which fails for one
(CONTRACTS 13).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any

import requests
from pydantic import SecretStr

from connectors.base import (
    CheckReport,
    Connector,
    ConnectorError,
    DataRequests,
    LmsState,
    PushCommand,
    PushResult,
    TerminalError,
    Unreachable,
)
from connectors.common import ClientHooks, dispatch_push
from connectors.moodle import functions as fn
from connectors.moodle.batch_push import BatchPush
from connectors.moodle.checks import diagnose
from connectors.moodle.client import MoodleClient
from connectors.moodle.config import MoodleConfig, MoodleSettings
from connectors.moodle.data_requests import (
    approve,
    approve_request,
    deny_request,
    read_learner_requests,
    read_request,
)
from connectors.moodle.digests import TableDigests
from connectors.moodle.errors import MoodleError, RecordNotFound
from connectors.moodle.parse import SiteInfo, parse_site_info, parse_user, req_id
from connectors.moodle.privacy_states import FINAL_FAILURES, ONGOING, PRIVACY_FIXES, WAITING_FOR
from connectors.moodle.profile import (
    RECTIFIABLE,
    RECTIFY_NAMES,
    differences,
    profile_text,
    read_back,
)
from connectors.moodle.remains import with_remains
from connectors.moodle.streams import STREAMS, StreamContext, roster_pages
from connectors.records import Batch, Bookmark
from connectors.simulation import LmsSimulator
from connectors.streams import run_stream

Raw = Mapping[str, Any]

GET_USERS = "core_user_get_users"
UPDATE_USERS = "core_user_update_users"
USERS_COURSES = "core_enrol_get_users_courses"
GET_REQUESTS = "tool_dataprivacy_get_data_requests"

#: Record fields that ``LmsState`` carries elsewhere or that are not profile data.
_NOT_STATE_FIELDS = frozenset(
    {"lms_user_id", "suspended", "deleted", "first_access", "last_access"}
)

class _Refused(TerminalError):
    """Moodle answered a write with a per-item warning instead of applying it."""


class MoodleConnector(ClientHooks, Connector):
    """One Moodle site, reached through its REST web services with one token."""

    streams = tuple(STREAMS)
    settings_model = MoodleSettings

    def __init__(
        self,
        config: MoodleConfig,
        *,
        session: requests.Session | None = None,
        stop_event: threading.Event | None = None,
        client: MoodleClient | None = None,
    ) -> None:
        self.config = config
        self._own_client = client is None
        self._client = client or MoodleClient(config, session=session, stop_event=stop_event)
        self._site: SiteInfo | None = None
        self._digests: TableDigests | None = None
        self._actions: dict[str, Callable[[PushCommand], PushResult]] = {
            "suspend": lambda c: self._set_suspended(c.lms_user_id, True),
            "unsuspend": lambda c: self._set_suspended(c.lms_user_id, False),
            "unenrol": self._unenrol,
            "delete_user": self._delete_user,
            "privacy_delete": self._privacy_delete,
            "rectify": self._rectify,
            "approve_request": lambda c: approve_request(self._client, c, self._seen_now(c)),
            "deny_request": lambda c: deny_request(self._client, c, self._seen_now(c)),
        }

    @classmethod
    def from_options(
        cls,
        options: Mapping[str, Any],
        token: SecretStr,
        *,
        stop_event: threading.Event | None = None,
    ) -> MoodleConnector:
        return cls(MoodleConfig.from_options(options, token), stop_event=stop_event)

    # ------------------------------------------------------------------ plumbing

    @classmethod
    def simulator(cls) -> LmsSimulator:
        from connectors.moodle.simulator.kit import MoodleSimulator  # only when asked for

        return MoodleSimulator()

    @property
    def site(self) -> SiteInfo:
        """Site id, service user and function list, read once per connector."""
        if self._site is None:
            try:
                self._site = parse_site_info(self._client.call(fn.SITE_INFO))
            except (ValueError, AttributeError) as exc:
                raise TerminalError(f"{fn.SITE_INFO}: unexpected answer: {exc}") from exc
        return self._site

    def prove_access(self) -> None:
        self.site  # noqa: B018 - core_webservice_get_site_info, kept for the run's streams

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    def pull(self, stream: str, bookmark: Bookmark | None) -> Iterator[Batch]:
        spec = STREAMS.get(stream)
        if spec is None:
            raise TerminalError(f"unknown stream {stream!r}", fix=f"Use one of {self.streams}.")
        yield from run_stream(spec, self._context(), bookmark)

    def _context(self) -> StreamContext:
        if self._digests is None:
            self._digests = TableDigests(self._client, lambda: self.site)
        return StreamContext(self._client, self.config, self.site, self._digests)

    def _user(self, user_id: int) -> Raw | None:
        """The account as ``core_user_get_users`` shows it, or None when it does not exist."""
        answer = self._client.call(GET_USERS, {"criteria": [{"key": "id", "value": str(user_id)}]})
        users = answer.get("users") if isinstance(answer, Mapping) else None
        return next((u for u in users or () if u.get("id") == user_id), None)

    def existing_users(self, lms_user_ids: Collection[int]) -> set[int]:
        """One ``core_user_get_users`` by id each (it takes one id per call and answers
        ``[]`` for a deleted account); only accounts missing from a listing are asked."""
        return {user_id for user_id in lms_user_ids if self._user(user_id) is not None}

    def read_state(self, lms_user_id: int) -> LmsState:
        """Existence, suspension, active courses (when the service has the function) and fields."""
        raw = self._user(lms_user_id)
        if raw is None:
            return LmsState(lms_user_id, exists=False)
        try:
            user = parse_user(raw)
        except ValueError as exc:
            raise TerminalError(f"{GET_USERS}: unexpected user record: {exc}") from exc
        courses: tuple[int, ...] = ()
        if USERS_COURSES in self.site.functions:  # only active enrolments (reference 2.10)
            params = {"userid": lms_user_id, "returnusercount": 0}
            listed = self._client.call(USERS_COURSES, params) or []
            ids = (c.get("id") for c in listed if isinstance(c, Mapping))
            courses = tuple(sorted(i for i in ids if isinstance(i, int)))
        fields = {k: v for k, v in user.content().items() if k not in _NOT_STATE_FIELDS}
        fields["custom_fields"] = dict(user.custom_fields)
        return LmsState(lms_user_id, True, user.suspended, courses, fields)

    def data_requests(self, after_id: int) -> DataRequests:
        """Learners' own data requests (:mod:`connectors.moodle.data_requests`)."""
        if GET_REQUESTS not in self.site.functions:
            return DataRequests(last_id=after_id, unavailable=f"add {GET_REQUESTS} to the service")
        size, me = self.config.page_sizes.data_requests, self.site.service_user_id
        return read_learner_requests(self._client, me, size, after_id)

    def _seen_now(self, command: PushCommand) -> Callable[[], LmsState]:
        return lambda: _seen(command.lms_user_id, self._user(command.lms_user_id))

    def check(self) -> CheckReport:
        """Diagnose site, service, account and rights: see :mod:`connectors.moodle.checks`."""
        self._site = None  # the next read sees the site as the diagnosis found it
        return diagnose(self._client, self.config)

    # ------------------------------------------------------------------ push

    def push(self, command: PushCommand) -> PushResult:
        # ValueError: a read-back Moodle answered in an unexpected shape
        return dispatch_push(self._actions, command, "Moodle", fix_for=_privacy_fix)

    def push_many(self, commands: Sequence[PushCommand]) -> list[PushResult]:
        """Suspensions and unsuspensions in batches (:mod:`connectors.moodle.batch_push`)."""
        try:
            return BatchPush(self._client, self.push).run(commands)
        except Unreachable:
            raise  # said once per connector by the caller, not once per command
        except ConnectorError as exc:
            return [PushResult.from_error(exc)] * len(commands)

    def _update_user(self, user: Mapping[str, Any]) -> None:
        """``core_user_update_users`` for one user; a per-item warning is a refusal."""
        answer = self._client.call(UPDATE_USERS, {"users": [user]})
        for warning in (answer or {}).get("warnings") or ():
            code = warning.get("warningcode")
            raise _Refused(f"{UPDATE_USERS} refused: {code}: {warning.get('message')}")

    def _set_suspended(self, user_id: int, suspended: bool) -> PushResult:
        word = "suspended" if suspended else "unsuspended"
        before = self._user(user_id)
        if before is None:
            if suspended:  # nobody can log in with an account that does not exist
                gone = _seen(user_id, None)
                return PushResult.already_applied("account does not exist in Moodle", gone)
            return PushResult.terminal_error("account does not exist in Moodle")
        if bool(before.get("suspended")) == suspended:
            return PushResult.already_applied(f"account already {word}", _seen(user_id, before))
        self._update_user({"id": user_id, "suspended": int(suspended)})
        return PushResult.applied(f"account {word}", _seen(user_id, self._user(user_id)))

    def _active_in(self, course_id: int, user_id: int) -> bool:
        active = {"name": "onlyactive", "value": 1}
        pages = roster_pages(self._context(), course_id, "id", active)
        return any(row.get("id") == user_id for page, _ in pages for row in page)

    def _unenrol(self, command: PushCommand) -> PushResult:
        """Manual unenrolment, read back per course with ``onlyactive=1`` (CONTRACTS 6): the
        result's state names the courses where the account is still active (an enrolment
        by another method, self or cohort, that the web services cannot remove)."""
        user_id = command.lms_user_id
        if not command.course_ids:
            return PushResult.terminal_error("unenrol needs at least one course id")
        enrolled = [c for c in command.course_ids if self._active_in(c, user_id)]
        if not enrolled:
            none_left = LmsState(user_id, exists=True)
            return PushResult.already_applied("no active enrolment in the given courses", none_left)
        for batch in self._client.chunk_ids(enrolled, per_item_fields=2):
            pairs = [{"userid": user_id, "courseid": c} for c in batch]
            self._client.call("enrol_manual_unenrol_users", {"enrolments": pairs})
        still = tuple(c for c in enrolled if self._active_in(c, user_id))
        seen = LmsState(user_id, exists=True, active_course_ids=still)
        return PushResult.applied(f"unenrolled from course(s) {enrolled}", seen)

    def _suspend_first(self, user: Raw) -> None:
        """Erasures revoke access at once, before Moodle's slower deletion (CONTRACTS 6)."""
        if not user.get("suspended"):
            self._update_user({"id": user["id"], "suspended": 1})

    def _deleted(self, user_id: int, after: Raw | None) -> LmsState:
        """The read-back after a deletion, with what Moodle still holds naming the account."""
        return with_remains(self._client, lambda: self.site, _seen(user_id, after))

    def _delete_user(self, command: PushCommand) -> PushResult:
        user_id = command.lms_user_id
        before = self._user(user_id)
        if before is None:
            gone = self._deleted(user_id, None)
            return PushResult.already_applied("account no longer exists in Moodle", gone)
        self._suspend_first(before)
        try:  # one id per call: the call is all-or-nothing (reference 3.2)
            self._client.call("core_user_delete_users", {"userids": [user_id]})
        except RecordNotFound:
            if self._user(user_id) is None:
                gone = self._deleted(user_id, None)
                return PushResult.already_applied("account was deleted meanwhile", gone)
            raise
        return PushResult.applied(
            "account deleted; Moodle keeps names, city, country, content and logs (reference 3.2)",
            self._deleted(user_id, self._user(user_id)),
        )

    # ------------------------------------------------------------------ privacy requests

    def _privacy_delete(self, command: PushCommand) -> PushResult:
        """Suspend, create (or find) a delete request, approve it, report its status."""
        user_id, request_id = command.lms_user_id, command.lms_request_id
        if request_id is None:
            before = self._user(user_id)
            if before is None:
                return PushResult.terminal_error(
                    "account no longer exists in Moodle, so no data request can be created for "
                    "it (fix: approve Moodle's automatic delete request for this user in Privacy "
                    "and policies > Data requests)"
                )
            self._suspend_first(before)
            request_id = self._create_request(user_id)
        request = read_request(self._client, request_id)
        if req_id(request, "userid") != user_id or request.get("type") != fn.PRIVACY_TYPE_DELETE:
            return PushResult.terminal_error(
                f"data request {request_id} is not a delete request for user {user_id}"
            )
        if request.get("status") == fn.PRIVACY_STATUS_AWAITING_APPROVAL:
            waiting = approve(self._client, request_id)
            if waiting:
                return PushResult("pending", waiting, request_id)
            request = read_request(self._client, request_id)
        return self._request_outcome(request_id, request, user_id)

    def _create_request(self, user_id: int) -> int:
        params = {
            "type": fn.PRIVACY_TYPE_DELETE,
            "foruserid": user_id,
            "comments": "Erasure requested through the GDPR register (lms-registry-bridge).",
        }
        try:
            answer = self._client.call("tool_dataprivacy_create_data_request", params)
            return req_id(answer, "datarequestid")
        except MoodleError as exc:
            if exc.errorcode != "errorrequestalreadyexists":
                raise
        # A retry after a lost answer: continue with the ongoing request.
        listed = self._client.call(GET_REQUESTS, {"userid": user_id, "types": [2]}) or {}
        ongoing = [r for r in listed.get("requests") or () if r.get("status") in ONGOING]
        if not ongoing:
            raise TerminalError("Moodle reports an ongoing delete request but lists none")
        return max(req_id(r) for r in ongoing)

    def _request_outcome(self, request_id: int, request: Raw, user_id: int) -> PushResult:
        status = request.get("status")
        if status == fn.PRIVACY_STATUS_DELETED:
            after = self._user(user_id)
            left = "account deleted" if after is None else "the account row is still listed"
            reason = f"Moodle completed data request {request_id}; {left}"
            return PushResult("applied", reason, request_id, self._deleted(user_id, after))
        if status in ONGOING:
            reason = WAITING_FOR[status].format(id=request_id)
            return PushResult("pending", reason, request_id)
        failure = FINAL_FAILURES.get(status) if isinstance(status, int) else None
        failure = failure or f"ended in unexpected status {status!r}"
        return PushResult("terminal_error", f"data request {request_id} {failure}", request_id)

    # ------------------------------------------------------------------ rectification

    def _rectify(self, command: PushCommand) -> PushResult:
        changes = {RECTIFY_NAMES.get(k, k): v for k, v in command.changes.items()}
        unknown = sorted(set(changes) - RECTIFIABLE)
        if not changes or unknown:
            allowed = ", ".join(sorted(RECTIFIABLE))
            return PushResult.terminal_error(
                f"cannot rectify {unknown or 'nothing'}; allowed: {allowed}"
            )
        user_id = command.lms_user_id
        before = self._user(user_id)
        if before is None:
            return PushResult.terminal_error("account does not exist in Moodle")
        if not differences(before, changes):
            seen = _seen(user_id, before, command.changes)
            return PushResult.already_applied("Moodle already holds these values", seen)
        update: dict[str, Any] = {"id": user_id}
        for key, value in changes.items():
            if key == "customfields":
                fields = dict(value).items()
                update[key] = [{"type": k, "value": profile_text(v)} for k, v in fields]
            else:
                update[key] = profile_text(value)
        self._update_user(update)
        after = _seen(user_id, self._user(user_id), command.changes)
        return PushResult.applied(f"rectified {', '.join(sorted(changes))}", after)


def _seen(user_id: int, user: Raw | None, asked: Mapping[str, Any] | None = None) -> LmsState:
    """The account as a push's read-back saw it (``PushResult.state``): existence and
    suspension, and with ``asked`` (a rectification's changes) the values Moodle holds for
    those fields, under the names the command used."""
    if user is None:
        return LmsState(user_id, exists=False)
    fields = {name: read_back(user, RECTIFY_NAMES.get(name, name)) for name in asked or {}}
    return LmsState(user_id, exists=True, suspended=bool(user.get("suspended")), fields=fields)



def _privacy_fix(exc: ConnectorError) -> str | None:
    return PRIVACY_FIXES.get(getattr(exc, "errorcode", None) or "")
