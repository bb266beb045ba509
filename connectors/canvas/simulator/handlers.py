"""What the simulated Canvas answers for each endpoint of :mod:`connectors.canvas.endpoints`.

One function per endpoint name, given the account, the path ids, the query and the form
body; a list is a listing (the front door pages it), a dict a single object. Shapes
follow Canvas's JSON builders (``lib/api/v1/user.rb``, ``enrollment.rb``,
``submission.rb``, ``conversation.rb``, ``page_view.rb``, ``pseudonym.rb``).
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from connectors.canvas.simulator.dataset import ACCOUNT_ID, ADMIN_ID, Account, Obj, when

Query = dict[str, list[str]]
Answer = Obj | list[Obj]

DEFAULT_STATES = ("active", "invited")
#: Kept by the simulator, never shown: Canvas shows e-mail and last login on request only.
HIDDEN_USER_FIELDS = ("workflow_state", "first_name", "last_name", "email", "last_login")


class Missing(Exception):
    """The object does not exist (Canvas's 404)."""


class Refused(Exception):
    """The admin has no right over the object (Canvas's "not authorized"): a user deleted
    from the account keeps its row, but belongs to none of the admin's accounts."""


def _one(query: Query, key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


def _user(account: Account, user_id: str) -> Obj:
    user = account.users.get(int(user_id)) if user_id.isdigit() else None
    if user is None:
        raise Missing
    if user["workflow_state"] == "deleted":
        raise Refused
    return user


def _public(user: Obj, includes: tuple[str, ...] = ("email",)) -> Obj:
    shown = {k: v for k, v in user.items() if k not in HIDDEN_USER_FIELDS}
    for key in includes:
        shown[key] = user.get(key)
    return shown


#: What the token's user may do with a user, as ``user_json`` shows it to an admin.
ADMIN_RIGHTS = {"can_update_name": True, "can_update_avatar": True,
                "limit_parent_app_web_access": False}


def self_user(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    return {**_public(account.users[ADMIN_ID]), "permissions": ADMIN_RIGHTS}


def account(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    return {"id": ACCOUNT_ID, "name": account.name, "parent_account_id": None,
            "root_account_id": None, "workflow_state": "active", "uuid": "sim-account",
            "default_time_zone": "Europe/Helsinki", "default_storage_quota_mb": 500,
            "default_user_storage_quota_mb": 50, "default_group_storage_quota_mb": 50}


def permissions(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    raise NotImplementedError  # answered by the front door, which knows the token's grants


def account_users(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    includes, term = tuple(query.get("include[]") or ()), (_one(query, "search_term") or "")
    live = [u for _, u in sorted(account.users.items()) if u["workflow_state"] != "deleted"]
    if term:  # a numeric term finds the user with that id first, else any field matching
        exact = [u for u in live if str(u["id"]) == term]
        fields = ("name", "login_id", "email", "sis_user_id")
        live = exact or [u for u in live
                         if any(term.lower() in str(u.get(f) or "").lower() for f in fields)]
    return [_public(u, includes) for u in live]


def user(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    return {**_public(_user(account, ids["user_id"])), "permissions": ADMIN_RIGHTS}


def user_logins(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    user_id = _user(account, ids["user_id"])["id"]
    return list(account.by("logins", "user_id", user_id))


def _states(query: Query) -> tuple[str, ...]:
    return tuple(query.get("state[]") or DEFAULT_STATES)


def user_enrollments(account: Account, ids: dict[str, str], query: Query,
                     form: Query) -> Answer:
    user_id, states = _user(account, ids["user_id"])["id"], _states(query)
    return [e for e in account.by("enrollments", "user_id", user_id)
            if e["enrollment_state"] in states]


def courses(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    return [c for _, c in sorted(account.courses.items()) if c["workflow_state"] != "deleted"]


def _course(account: Account, course_id: str) -> int:
    if not course_id.isdigit() or int(course_id) not in account.courses:
        raise Missing
    return int(course_id)


def enrollments(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    course_id, states = _course(account, ids["course_id"]), _states(query)
    types = tuple(query.get("type[]") or ())
    user_id = _one(query, "user_id")
    return [e for e in account.by("enrollments", "course_id", course_id)
            if e["enrollment_state"] in states
            and (not types or e["type"] in types)
            and (user_id is None or str(e["user_id"]) == user_id)]


def assignments(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    course_id = _course(account, ids["course_id"])
    return list(account.by("assignments", "course_id", course_id))


def submissions(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    course_id = _course(account, ids["course_id"])
    return [s for a in account.by("assignments", "course_id", course_id)
            for s in account.by("submissions", "assignment_id", a["id"])
            if account.users[s["user_id"]]["workflow_state"] != "deleted"]


def _as_user(account: Account, query: Query) -> int:
    return _user(account, _one(query, "as_user_id") or str(ADMIN_ID))["id"]


def _participants(account: Account, members: list[int]) -> list[Obj]:
    return [{"id": m, "name": account.users[m]["name"]} for m in members
            if account.users[m]["workflow_state"] != "deleted"]


def _summary(account: Account, cid: int, found: Obj, me: int) -> Obj:
    """The fields a conversation shows in its listing and on its own."""
    return {"id": cid, "subject": found["subject"], "workflow_state": "read",
            "message_count": len(found["messages"]), "context_code": found.get("context_code"),
            "audience": [m for m in found["members"] if m != me],
            "participants": _participants(account, found["members"])}


def _authored(found: Obj, me: int, field: str) -> Any:
    mine = [m for m in found["messages"] if m["author_id"] == me]
    return mine[0][field] if mine else None


def conversations(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    me, scope = _as_user(account, query), _one(query, "scope")
    if scope == "archived":
        return []
    return [{**_summary(account, cid, c, me), "last_message": c["messages"][0]["body"],
             "last_message_at": c["messages"][0]["created_at"],
             "last_authored_message": _authored(c, me, "body"),
             "last_authored_message_at": _authored(c, me, "created_at"),
             "audience_contexts": {"courses": {}, "groups": {}}, "avatar_url": None,
             "private": len(c["members"]) == 2, "properties": [], "starred": False,
             "subscribed": True, "visible": True}
            for cid, c in sorted(account.conversations.items()) if me in c["members"]
            and (scope != "sent" or any(m["author_id"] == me for m in c["messages"]))]


def conversation(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    me = _as_user(account, query)
    found = account.conversations.get(int(ids["conversation_id"]))
    if found is None or me not in found["members"]:
        raise Missing
    return {**_summary(account, int(ids["conversation_id"]), found, me),
            "messages": found["messages"]}


def page_views(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    user_id = _user(account, ids["user_id"])["id"]
    start = _one(query, "start_time") or ""
    return [v for v in account.page_views.get(user_id, ()) if v["created_at"] >= start]


def update_login(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    login = account.logins.get(int(ids["login_id"])) if ids["login_id"].isdigit() else None
    if login is None:
        raise Missing
    state = _one(form, "login[workflow_state]")
    if state in ("active", "suspended"):
        login["workflow_state"] = state
    return login


def end_enrollment(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    found = account.enrollments.get(int(ids["enrollment_id"]))
    if found is None or found["course_id"] != _course(account, ids["course_id"]):
        raise Missing
    task = _one(form, "task") or _one(query, "task") or "conclude"
    found["enrollment_state"] = {"conclude": "completed", "deactivate": "inactive",
                                 "inactivate": "inactive"}.get(task, "deleted")
    return found


def delete_user(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    found = _user(account, ids["user_id"])
    found["workflow_state"] = "deleted"
    for login_id in [k for k, x in account.logins.items() if x["user_id"] == found["id"]]:
        del account.logins[login_id]
    account.changed()
    for enrollment in account.enrollments.values():
        if enrollment["user_id"] == found["id"]:
            enrollment["enrollment_state"] = "deleted"
    return _public(found)


def update_user(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    found = _user(account, ids["user_id"])
    for key in ("name", "short_name", "sortable_name", "email"):
        value = _one(form, f"user[{key}]")
        if value is not None:
            found[key] = value
    if _one(form, "user[sortable_name]"):
        last, _, first = found["sortable_name"].partition(",")
        found.update(first_name=first.strip(), last_name=last.strip())
    return _public(found)


#: ``users.csv`` of the provisioning report (``sis_exporter.rb#users``, not SIS format).
USERS_CSV = ("canvas_user_id", "user_id", "integration_id", "authentication_provider_id",
             "login_id", "first_name", "last_name", "full_name", "sortable_name",
             "short_name", "email", "status", "created_by_sis")


def _csv(header: tuple[str, ...], rows: Iterable[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _live_logins(account: Account) -> Iterator[tuple[Obj, Obj]]:
    """(login, person) per login not deleted, in the order of the logins' ids."""
    for login in sorted(account.logins.values(), key=lambda x: x["id"]):
        person = account.users.get(login["user_id"])
        if person is not None and login["workflow_state"] != "deleted":
            yield login, person


def _users_csv(account: Account) -> bytes:
    return _csv(USERS_CSV, (
        [person["id"], login.get("sis_user_id"), None, None,
         login["unique_id"], person.get("first_name"), person.get("last_name"),
         person["name"], person["sortable_name"], person.get("short_name"),
         person.get("email"), login["workflow_state"], "false"]
        for login, person in _live_logins(account)))


#: ``last_user_access_csv`` (``student_reports.rb#last_user_access``).
ACCESS_CSV = ("user id", "user sis id", "user name", "last access at", "last ip")


def _access_csv(account: Account) -> bytes:
    """A row per login; the last request is the newest page view's time (a request leaves
    one), else the last login's."""
    def row(login: Obj, person: Obj) -> list[Any]:
        views = account.page_views.get(person["id"]) or ()
        last = max((v["created_at"] for v in views), default=person.get("last_login") or "")
        return [person["id"], login.get("sis_user_id"), person["sortable_name"],
                last, "192.0.2.10" if last else None]

    return _csv(ACCESS_CSV, (row(login, person) for login, person in _live_logins(account)))


REPORTS = {"provisioning_csv": _users_csv, "last_user_access_csv": _access_csv}


def start_report(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    """``account_reports#create``: the report starts ``running`` (Canvas runs it in a job);
    a report type Canvas does not have is its 404."""
    if ids["report"] not in REPORTS:
        raise Missing
    report_id = account.new_id()
    params = {k[len("parameters["):-1]: v[0] for k, v in form.items()
              if k.startswith("parameters[")}
    account.reports[report_id] = {
        "id": report_id, "report": ids["report"], "file_url": None, "status": "running",
        "parameters": params, "progress": 0, "current_line": None,
        "created_at": when(0), "started_at": when(0), "ended_at": None,
        "_polls": account.report_polls}
    return _report_json(account.reports[report_id])


def report_status(account: Account, ids: dict[str, str], query: Query, form: Query) -> Answer:
    found = account.reports.get(int(ids["report_id"])) if ids["report_id"].isdigit() else None
    if found is None or found["report"] != ids["report"]:
        raise Missing
    if found["status"] == "running" and found["_polls"] > 0:
        found["_polls"] -= 1
    elif found["status"] == "running":
        file_id = account.new_id()
        account.files[file_id] = REPORTS[found["report"]](account)
        url = f"/files/{file_id}/download?download_frd=1&verifier={secrets.token_hex(8)}"
        found.update(status="complete", progress=100, ended_at=when(1),
                     file_url=f"/accounts/{ACCOUNT_ID}/files/{file_id}/download",
                     attachment=_attachment(file_id, url, len(account.files[file_id])))
    return _report_json(found)


def _attachment(file_id: int, url: str, size: int) -> Obj:
    """The report's file as ``attachment_json`` (``lib/api/v1/attachment.rb``) shows it."""
    name = f"report_{file_id}.csv"
    return {"id": file_id, "uuid": secrets.token_hex(20), "folder_id": 1, "display_name": name,
            "filename": name, "workflow_state": "processed", "upload_status": "success",
            "content-type": "text/csv", "url": url, "size": size, "created_at": when(1),
            "updated_at": when(1), "unlock_at": None, "locked": False, "hidden": False,
            "lock_at": None, "hidden_for_user": False, "thumbnail_url": None,
            "modified_at": when(1), "mime_class": "file", "media_entry_id": None,
            "locked_for_user": False}


def _report_json(report: Obj) -> Obj:
    return {k: v for k, v in report.items() if not k.startswith("_")}


def report_file(account: Account, ids: dict[str, str], query: Query, form: Query) -> Any:
    content = account.files.get(int(ids["file_id"])) if ids["file_id"].isdigit() else None
    if content is None:
        raise Missing
    return content


Handler = Callable[[Account, dict[str, str], Query, Query], Any]
HANDLERS: dict[str, Handler] = {
    "self": self_user, "account": account, "permissions": permissions,
    "account_users": account_users, "user": user, "user_logins": user_logins,
    "user_enrollments": user_enrollments, "courses": courses, "enrollments": enrollments,
    "assignments": assignments, "submissions": submissions, "conversations": conversations,
    "conversation": conversation, "page_views": page_views, "update_login": update_login,
    "end_enrollment": end_enrollment, "delete_user": delete_user, "update_user": update_user,
    "start_report": start_report, "report_status": report_status, "report_file": report_file,
}
