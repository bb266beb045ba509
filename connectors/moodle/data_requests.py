"""Data requests in Moodle's Data privacy tool (reference 3.5): the learners' own export and
delete requests read for the register, and the privacy officer's answers to one request
(approve, deny) carried out by the push worker.

A learner's request is read until Moodle is done with it: every request not yet final,
plus every request newer than the highest id the register has seen, newest first and a
page at a time (CONTRACTS 5). No "since the last run" window is trusted, so a register that
did not look for days misses none. The requests the bridge made itself for its erasures
(``requestedby`` = the service user) and Moodle's automatic ones (made when an account is
deleted, ``creationmethod`` 1) are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.base import (
    DataRequests,
    LmsDataRequest,
    LmsState,
    PushCommand,
    PushResult,
    TerminalError,
)
from connectors.moodle import functions as fn
from connectors.moodle.client import MoodleClient
from connectors.moodle.errors import MissingCapability, MoodleError
from connectors.moodle.fields import as_int, req_id
from connectors.moodle.privacy_states import ONGOING, WAITING_FOR

Raw = Mapping[str, Any]

GET_REQUESTS = "tool_dataprivacy_get_data_requests"
GET_REQUEST = "tool_dataprivacy_get_data_request"
APPROVE = "tool_dataprivacy_approve_data_request"
DENY = "tool_dataprivacy_deny_data_request"

#: tool_dataprivacy request types the register answers (``DATAREQUEST_TYPE_*``).
KINDS = {fn.PRIVACY_TYPE_EXPORT: "export", fn.PRIVACY_TYPE_DELETE: "erasure"}
#: ``DATAREQUEST_CREATION_MANUAL``: filed by a person, not made by Moodle on a deletion.
CREATION_MANUAL = 0
#: When Moodle is done with a request, by type: an export is complete, ready to download
#: or already expired; a deletion has deleted (reference 3.5).
DONE = {
    fn.PRIVACY_TYPE_EXPORT: frozenset({5, 8, 9}),
    fn.PRIVACY_TYPE_DELETE: frozenset({fn.PRIVACY_STATUS_DELETED}),
}
ENDED = {6: "was cancelled", 7: "was rejected by a privacy officer"}


def _pages(client: MoodleClient, params: Raw, size: int, above: int | None = None) -> Iterator[Raw]:
    """Requests a page at a time; with ``above``, newest first down to that id."""
    start = 0
    while True:
        answer = client.call(GET_REQUESTS, {**params, "limitfrom": start, "limitnum": size})
        rows = [r for r in (answer or {}).get("requests") or () if isinstance(r, Mapping)]
        for row in rows:
            if above is not None and req_id(row) <= above:
                return
            yield row
        if len(rows) < size:
            return
        start += size


def read_learner_requests(
    client: MoodleClient, service_user_id: int, page_size: int, after_id: int
) -> DataRequests:
    """The people's own export and delete requests (see the module's docstring)."""
    wanted = {"types": sorted(KINDS), "creationmethods": [CREATION_MANUAL]}
    found: dict[int, Raw] = {}
    ongoing = {**wanted, "statuses": sorted(ONGOING), "sort": "id ASC"}
    for row in _pages(client, ongoing, page_size):
        found[req_id(row)] = row
    last = after_id
    for row in _pages(client, {**wanted, "sort": "id DESC"}, page_size, above=after_id):
        found[req_id(row)] = row
        last = max(last, req_id(row))
    try:
        requests = tuple(
            _parsed(row) for key, row in sorted(found.items())
            if req_id(row, "requestedby") != service_user_id and row.get("type") in KINDS
        )
    except ValueError as exc:
        raise TerminalError(f"{GET_REQUESTS}: unexpected request record: {exc}") from exc
    return DataRequests(requests, last)


def _parsed(row: Raw) -> LmsDataRequest:
    return LmsDataRequest(
        lms_request_id=req_id(row),
        lms_user_id=req_id(row, "userid"),
        kind="export" if row.get("type") == fn.PRIVACY_TYPE_EXPORT else "erasure",
        filed_at=datetime.fromtimestamp(as_int(row.get("timecreated"), "timecreated"), UTC),
        filed_by=req_id(row, "requestedby"),
        lms_status=str(row.get("statuslabel") or ""),
        finished=row.get("status") not in ONGOING,
        withdrawn=row.get("status") == fn.PRIVACY_STATUS_CANCELLED,
    )


def read_request(client: MoodleClient, request_id: int) -> Raw:
    answer = client.call(GET_REQUEST, {"requestid": request_id})
    result = answer.get("result") if isinstance(answer, Mapping) else None
    if not isinstance(result, Mapping):
        raise TerminalError(f"data request {request_id}: unexpected answer")
    return result


def _officer(call: Callable[[], Any], request_id: int) -> tuple[Any, str | None]:
    """Call as privacy officer: the answer, or the reason to wait when the bridge may not."""
    waiting = WAITING_FOR[fn.PRIVACY_STATUS_AWAITING_APPROVAL].format(id=request_id)
    try:
        return call(), None
    except MissingCapability:
        return None, f"{waiting} (the bridge's role may not answer it)"
    except MoodleError as exc:
        if exc.errorcode == "privacyofficeronly":
            return None, f"{waiting} (the bridge's role is not among the privacy officer roles)"
        raise


def approve(client: MoodleClient, request_id: int) -> str | None:
    """Approve as DPO; the reason to wait when the bridge may not, else None."""
    try:
        answer, waiting = _officer(
            lambda: client.call(APPROVE, {"requestid": request_id}), request_id
        )
    except MoodleError as exc:
        if exc.errorcode != "errorrequestnotwaitingforapproval":
            raise
        return None  # approved meanwhile: the status read that follows tells
    if waiting is None and not (answer or {}).get("result"):
        codes = [w.get("warningcode") for w in (answer or {}).get("warnings") or ()]
        raise TerminalError(f"approving data request {request_id} failed: {codes}")
    return waiting


def _own_request(client: MoodleClient, command: PushCommand) -> tuple[int, Raw] | PushResult:
    """The request ``command`` answers, read from Moodle, or why it cannot be answered (no
    request id, or a request of another user)."""
    request_id = command.lms_request_id
    if request_id is None:
        return PushResult.terminal_error(f"{command.action} needs the LMS request id")
    request = read_request(client, request_id)
    if req_id(request, "userid") != command.lms_user_id:
        return PushResult.terminal_error(
            f"data request {request_id} is not user {command.lms_user_id}'s"
        )
    return request_id, request


def approve_request(
    client: MoodleClient, command: PushCommand, seen: Callable[[], LmsState]
) -> PushResult:
    """Approve a person's own request (export or delete) so Moodle carries it out, and
    follow it until Moodle is done (done only then, like an erasure's request)."""
    found = _own_request(client, command)
    if isinstance(found, PushResult):
        return found
    request_id, request = found
    if request.get("status") == fn.PRIVACY_STATUS_AWAITING_APPROVAL:
        waiting = approve(client, request_id)
        if waiting:
            return PushResult("pending", waiting, request_id)
        request = read_request(client, request_id)
    status, type_ = request.get("status"), request.get("type")
    if status in DONE.get(type_, ()):  # type: ignore[arg-type]
        reason = f"Moodle carried out data request {request_id} ({request.get('statuslabel')})"
        return PushResult("applied", reason, request_id, seen())
    if status in ONGOING:
        reason = f"Moodle approved data request {request_id}; its cron carries it out"
        if status != fn.PRIVACY_STATUS_APPROVED:
            reason = WAITING_FOR[status].format(id=request_id)  # type: ignore[index]
        return PushResult("pending", reason, request_id)
    ended = ENDED.get(status, f"ended in status {status!r}")  # type: ignore[arg-type]
    return PushResult("terminal_error", f"data request {request_id} {ended}", request_id)


def deny_request(
    client: MoodleClient, command: PushCommand, seen: Callable[[], LmsState]
) -> PushResult:
    """Reject a person's own request in Moodle (status 7): the learner sees it rejected on
    their Data requests page. Moodle's deny function takes no comment (reference 3.5), so
    the reason reaches the person in the register's answer, not through Moodle."""
    found = _own_request(client, command)
    if isinstance(found, PushResult):
        return found
    request_id, request = found
    status = request.get("status")
    if status == fn.PRIVACY_STATUS_REJECTED:
        return PushResult("already_applied", f"data request {request_id} is rejected",
                          request_id, seen())
    if status != fn.PRIVACY_STATUS_AWAITING_APPROVAL:
        label = request.get("statuslabel") or status
        return PushResult.terminal_error(
            f"data request {request_id} is {label}, no longer awaiting approval: Moodle "
            "cannot reject it now"
        )
    answer, waiting = _officer(lambda: client.call(DENY, {"requestid": request_id}), request_id)
    if waiting:
        return PushResult("pending", waiting, request_id)
    if not (answer or {}).get("result"):
        codes = [w.get("warningcode") for w in (answer or {}).get("warnings") or ()]
        return PushResult.terminal_error(f"rejecting data request {request_id} failed: {codes}")
    if read_request(client, request_id).get("status") != fn.PRIVACY_STATUS_REJECTED:
        return PushResult.terminal_error(f"data request {request_id} was not rejected")
    return PushResult("applied", f"Moodle rejected data request {request_id}", request_id, seen())
