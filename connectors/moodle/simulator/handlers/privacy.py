"""``tool_dataprivacy_*``: data requests as a privacy officer sees them."""

from __future__ import annotations

from typing import Any

from connectors.moodle.functions import (
    PRIVACY_STATUS_APPROVED,
    PRIVACY_STATUS_AWAITING_APPROVAL,
    PRIVACY_STATUS_REJECTED,
    PRIVACY_TYPE_DELETE,
)
from connectors.moodle.simulator import errors, lifecycle
from connectors.moodle.simulator.handlers.registry import Call, ws_function
from connectors.moodle.simulator.handlers.render import text_to_html, user_summary
from connectors.moodle.simulator.model import DataRequest, User
from connectors.moodle.simulator.validation import Int, ListOf, Text

MANAGE = "tool/dataprivacy:managedatarequests"
DELETE_FOR_OTHERS = "tool/dataprivacy:requestdeleteforotheruser"
FOR_CHILDREN = "tool/dataprivacy:makedatarequestsforchildren"
ONGOING = frozenset({0, 1, 2, 3, 4})
TYPES = {1: ("Export all of my personal data", "Export"),
         2: ("Delete all of my personal data", "Delete")}
STATUS_LABELS = {
    0: ("Pending", "bg-info text-white"), 1: ("Pre-processing", "bg-info text-white"),
    2: ("Awaiting approval", "bg-info text-white"), 3: ("Approved", "bg-info text-white"),
    4: ("Processing", "bg-info text-white"), 5: ("Complete", "bg-success text-white"),
    6: ("Cancelled", "bg-warning text-dark"), 7: ("Rejected", "bg-danger text-white"),
    8: ("Download ready", "bg-success text-white"), 9: ("Expired", "bg-secondary text-dark"),
    10: ("Deleted", "bg-success text-white"),
}


def export(call: Call, request: DataRequest) -> dict[str, Any]:
    """``data_request_exporter``: ``dpouser`` only once someone approved or denied."""
    users = call.state.users
    record: dict[str, Any] = {
        "type": request.type, "comments": request.comments, "commentsformat": 2,
        "userid": request.userid, "requestedby": request.requestedby, "status": request.status,
        "dpo": request.dpo, "dpocomment": request.dpocomment, "dpocommentformat": 2,
        "systemapproved": request.systemapproved, "creationmethod": request.creationmethod,
        "id": request.id, "timecreated": request.timecreated,
        "timemodified": request.timemodified, "usermodified": request.usermodified,
        "foruser": user_summary(call.state, users[request.userid]),
        "requestedbyuser": user_summary(call.state, users[request.requestedby]),
    }
    if request.dpo:
        record["dpouser"] = user_summary(call.state, users[request.dpo])
    label, css = STATUS_LABELS[request.status]
    awaiting = request.status == PRIVACY_STATUS_AWAITING_APPROVAL
    typename, short = TYPES.get(request.type, ("Others", "Others"))
    record.update({
        "messagehtml": text_to_html(request.comments), "typename": typename,
        "typenameshort": short, "statuslabel": label, "statuslabelclass": css,
        "canreview": awaiting, "approvedeny": awaiting, "allowfiltering": False,
        "canmarkcomplete": False,
    })
    return record


def _require_officer(call: Call) -> None:
    call.system_context()
    call.require(MANAGE)
    if not call.state.config.dpo_role_mapped and not call.state.is_site_admin(call.user.id):
        raise errors.moodle_exception("privacyofficeronly",
                                      "Only the privacy officer can perform this action")


def _active_user(call: Call, userid: int) -> User:
    user = call.state.users.get(userid)
    if user is None:
        raise errors.invalid_user()
    if user.deleted:
        raise errors.moodle_exception("userdeleted")
    return user


def _ongoing(call: Call, userid: int, type_: int) -> bool:
    return any(r.userid == userid and r.type == type_ and r.status in ONGOING
               for r in call.state.requests.values())


@ws_function("tool_dataprivacy_create_data_request", type=Int(), comments=Text(""),
             foruserid=Int(0))
def create_data_request(call: Call) -> dict[str, Any]:
    call.system_context()
    params = call.params
    admin = call.state.is_site_admin(call.user.id)
    if not call.state.config.contactdataprotectionofficer and not admin:
        raise errors.moodle_exception("contactdpoviaprivacypolicy", "Please contact the "
                                      "privacy officer as described in the privacy policy.")
    if params["type"] not in TYPES:
        raise errors.moodle_exception("errorinvalidrequesttype", "Invalid request type!")
    user = _active_user(call, params["foruserid"] or call.user.id)
    if user.id != call.user.id and not admin:
        call.require(FOR_CHILDREN)
        if params["type"] == PRIVACY_TYPE_DELETE and not call.has(DELETE_FOR_OTHERS):
            raise errors.moodle_exception("errorcannotrequestdeleteforother")
    if _ongoing(call, user.id, params["type"]):
        raise errors.moodle_exception("errorrequestalreadyexists",
                                      "You already have an ongoing request.")
    request = lifecycle.new_request(call.state, params["type"], user.id, call.user.id,
                                    comments=params["comments"])
    return {"datarequestid": request.id, "warnings": []}


def _answer(call: Call, status: int) -> dict[str, Any]:
    """Approve or deny: an unknown id is a warning, a request not awaiting approval an
    exception; the caller becomes the request's ``dpo``."""
    _require_officer(call)
    requestid = call.params["requestid"]
    request = call.state.requests.get(requestid)
    if request is None:
        return {"result": False, "warnings": [{"item": str(requestid),
                                               "warningcode": "errorrequestnotfound",
                                               "message": "Request not found"}]}
    if request.status != PRIVACY_STATUS_AWAITING_APPROVAL:
        raise errors.moodle_exception(
            "errorrequestnotwaitingforapproval", "The request is not awaiting approval. Either "
            "it is not yet ready or it has already been processed.")
    if request.type == PRIVACY_TYPE_DELETE:
        call.require(DELETE_FOR_OTHERS)
    request.status, request.dpo = status, call.user.id
    request.timemodified, request.usermodified = call.now(), call.user.id
    return {"result": True, "warnings": []}


@ws_function("tool_dataprivacy_approve_data_request", requestid=Int())
def approve_data_request(call: Call) -> dict[str, Any]:
    return _answer(call, PRIVACY_STATUS_APPROVED)


@ws_function("tool_dataprivacy_deny_data_request", requestid=Int())
def deny_data_request(call: Call) -> dict[str, Any]:
    """``api::deny_data_request``: status 7; it takes no comment for the person."""
    return _answer(call, PRIVACY_STATUS_REJECTED)


@ws_function("tool_dataprivacy_get_data_request", requestid=Int())
def get_data_request(call: Call) -> dict[str, Any]:
    call.system_context()
    call.require(MANAGE)
    request = call.state.requests.get(call.params["requestid"])
    if request is None:
        raise errors.missing_record("tool_dataprivacy_request")
    return {"result": export(call, request), "warnings": []}


_SORT_KEYS = ("id", "status", "timemodified", "timecreated", "type", "userid")


def _sorted(requests: list[DataRequest], sort: str) -> list[DataRequest]:
    clauses = [c.split() for c in (sort or "status ASC, timemodified ASC").split(",")]
    for clause in reversed(clauses):
        column = clause[0] if clause and clause[0] in _SORT_KEYS else "id"
        descending = len(clause) > 1 and clause[1].upper() == "DESC"
        requests.sort(key=lambda r, c=column: getattr(r, c), reverse=descending)
    return requests


@ws_function("tool_dataprivacy_get_data_requests", userid=Int(0), statuses=ListOf(Int(), []),
             types=ListOf(Int(), []), creationmethods=ListOf(Int(), []), sort=Text(""),
             limitfrom=Int(0), limitnum=Int(0))
def get_data_requests(call: Call) -> dict[str, Any]:
    _require_officer(call)
    params = call.params
    if params["userid"]:
        _active_user(call, params["userid"])
    selected = [
        r for r in call.state.requests.values()
        if (not params["userid"] or r.userid == params["userid"])
        and (not params["statuses"] or r.status in params["statuses"])
        and (not params["types"] or r.type in params["types"])
        and (not params["creationmethods"] or r.creationmethod in params["creationmethods"])
    ]
    ordered = _sorted(selected, params["sort"])
    start, count = params["limitfrom"], params["limitnum"]
    page = ordered[start:start + count] if count > 0 else ordered[start:]
    return {"requests": [export(call, r) for r in page], "warnings": []}


@ws_function("tool_dataprivacy_get_access_information")
def get_access_information(call: Call) -> dict[str, Any]:
    call.system_context()
    config = call.state.config
    return {
        "cancontactdpo": config.contactdataprotectionofficer,
        "canmanagedatarequests": call.has(MANAGE) and config.dpo_role_mapped,
        "cancreatedatadownloadrequest": True, "cancreatedatadeletionrequest": True,
        "hasongoingdatadownloadrequest": _ongoing(call, call.user.id, 1),
        "hasongoingdatadeletionrequest": _ongoing(call, call.user.id, PRIVACY_TYPE_DELETE),
        "warnings": [],
    }
