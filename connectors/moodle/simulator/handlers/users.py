"""``core_user_*``: find, read, update and delete accounts."""

from __future__ import annotations

import re
from typing import Any

from connectors.moodle.simulator import errors, lifecycle
from connectors.moodle.simulator.handlers.registry import Call, ws_function
from connectors.moodle.simulator.handlers.render import CUSTOM_FIELDS, user_details
from connectors.moodle.simulator.model import User
from connectors.moodle.simulator.state import ADMIN_ID, GUEST_ID
from connectors.moodle.simulator.validation import OPTIONAL, Bool, Int, ListOf, Struct, Text

_EXACT = ("id", "idnumber", "username", "auth")
_LIKE = ("email", "firstname", "lastname")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _like(pattern: str) -> re.Pattern[str]:
    """SQL ``LIKE`` (case-insensitive, ``%`` and ``_`` wildcards) as a regex."""
    parts = (".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


@ws_function("core_user_get_users", criteria=ListOf(Struct({"key": Text(), "value": Text()})))
def get_users(call: Call) -> dict[str, Any]:
    call.system_context()
    warnings: list[dict[str, Any]] = []
    tests: dict[str, Any] = {}
    for criterion in call.params["criteria"]:
        key, value = criterion["key"], criterion["value"]
        if key in tests:
            raise errors.moodle_exception("keyalreadyset")
        if key not in _EXACT + _LIKE:
            warnings.append({"item": key, "warningcode": "invalidfieldparameter",
                             "message": f"The search key '{key}' is not supported, look at "
                                        "the web service documentation"})
            continue
        if key == "id" and not value.lstrip("-").isdigit():
            raise errors.invalid_parameter(f"id => invalid value {value!r}")
        tests[key] = _like(value) if key in _LIKE else value
    users = []
    if tests:
        for user in call.state.users.values():
            if not user.deleted and all(_matches(user, k, t) for k, t in tests.items()):
                users.append(user_details(call.state, user, call.user.id))
    return {"users": users, "warnings": warnings}


def _matches(user: User, key: str, test: Any) -> bool:
    value = str(getattr(user, key))
    return bool(test.fullmatch(value)) if isinstance(test, re.Pattern) else value == test


def _check_lookup_value(field: str, value: str) -> str:
    """Values are cleaned with the field's type; a value that changes is refused."""
    changed = {
        "id": not value.lstrip("-").isdigit(),
        "username": value != value.strip().lower(),
        "email": value != value.strip(),
    }
    if changed.get(field, False):
        raise errors.invalid_parameter(f"The value of the {field} parameter is not valid")
    return value


@ws_function("core_user_get_users_by_field", field=Text(), values=ListOf(Text()))
def get_users_by_field(call: Call) -> list[dict[str, Any]]:
    """Sorted by id; deleted users are found by id until the context clean-up."""
    call.system_context()
    field = call.params["field"]
    if field not in ("id", "idnumber", "username", "email"):
        raise errors.coding_error("invalid field parameter")
    wanted = {_check_lookup_value(field, v) for v in call.params["values"]}
    users = call.state.users
    if field == "id":
        found = [users[i] for i in sorted({int(v) for v in wanted}) if i in users]
        if any(user.context_removed for user in found):
            raise errors.invalid_user()
    else:
        found = [u for u in users.values() if getattr(u, field) in wanted]
    return [user_details(call.state, user, call.user.id) for user in found]


_TEXT_FIELDS = (
    "username", "auth", "password", "firstname", "lastname", "email", "city", "country",
    "timezone", "description", "firstnamephonetic", "lastnamephonetic", "middlename",
    "alternatename", "interests", "idnumber", "institution", "department", "phone1", "phone2",
    "address", "lang", "calendartype", "theme",
)
_PAIR = Struct({"type": Text(), "value": Text()})
_USER_UPDATE = Struct({
    "id": Int(),
    **{name: Text(OPTIONAL) for name in _TEXT_FIELDS},
    "suspended": Bool(OPTIONAL), "maildisplay": Int(OPTIONAL), "userpicture": Int(OPTIONAL),
    "mailformat": Int(OPTIONAL),
    "customfields": ListOf(_PAIR, OPTIONAL), "preferences": ListOf(_PAIR, OPTIONAL),
})
#: Update keys that are stored on the simulated user row.
_STORED = {"username", "auth", "firstname", "lastname", "email", "city", "country", "timezone",
           "description", "idnumber", "institution", "department", "phone1", "phone2",
           "address", "lang", "suspended", "mailformat"}


def _warning(userid: int, code: str, message: str | None = None) -> dict[str, Any]:
    return {"item": "user", "itemid": userid, "warningcode": code,
            "message": message or f"error/{code}"}


def _refusal(call: Call, changes: dict[str, Any]) -> dict[str, Any] | None:
    userid = changes["id"]
    user = call.state.users.get(userid)
    if user is None:
        return _warning(userid, "invaliduserid", "Invalid user ID")
    if user.deleted:
        return _warning(userid, "usernotupdateddeleted")
    if call.state.is_site_admin(userid) and not call.state.is_site_admin(call.user.id):
        return _warning(userid, "usernotupdatedadmin", "Cannot update admin accounts")
    if userid == GUEST_ID:
        return _warning(userid, "usernotupdatedguest")
    if "username" in changes and changes["username"] != changes["username"].lower():
        return _warning(userid, "usernamelowercase")
    email = changes.get("email")
    if email is not None and email != user.email:
        if not _EMAIL.fullmatch(email):
            return _warning(userid, "useremailinvalid")
        if any(u.email == email and not u.deleted for u in call.state.users.values()):
            return _warning(userid, "useremailduplicate", "Duplicate address")
    return None


@ws_function("core_user_update_users", users=ListOf(_USER_UPDATE))
def update_users(call: Call) -> dict[str, Any]:
    """Each user in its own transaction: problems become warnings, the rest is applied."""
    call.system_context()
    call.require("moodle/user:update")
    warnings = []
    for changes in call.params["users"]:
        refusal = _refusal(call, changes)
        if refusal:
            warnings.append(refusal)
            continue
        user = call.state.users[changes["id"]]
        for name, value in changes.items():
            if name in _STORED:
                setattr(user, name, value)
        for field in changes.get("customfields", ()):
            if field["type"] in CUSTOM_FIELDS:
                user.customfields[field["type"]] = field["value"]
        for preference in changes.get("preferences", ()):
            user.preferences[preference["type"]] = preference["value"]
        user.timemodified = call.now()
        lifecycle.log_user_updated(call.state, user, call.user.id)
    return {"warnings": warnings}


@ws_function("core_user_delete_users", userids=ListOf(Int()))
def delete_users(call: Call) -> None:
    """All or nothing; a rolled-back batch still consumes data-request ids."""
    call.system_context()
    call.require("moodle/user:delete")
    checked: list[User] = []
    for userid in call.params["userids"]:
        try:
            checked.append(_deletable(call, userid))
        except errors.MoodleError:
            if call.state.config.automaticdeletionrequests:
                for _ in checked:  # the rolled-back deletions had created their requests
                    call.state.next_id("tool_dataprivacy_request")
            raise
    for user in checked:
        lifecycle.delete_user(call.state, user, call.user.id)
    return None


def _deletable(call: Call, userid: int) -> User:
    user = call.state.live_user(userid)
    if user is None:
        raise errors.invalid_user()
    if userid in (ADMIN_ID, GUEST_ID):
        raise errors.moodle_exception("useradminodelete",
                                      "Administrator accounts cannot be deleted.")
    if userid == call.user.id:
        raise errors.moodle_exception("usernotdeletederror", "User not deleted - error")
    return user
