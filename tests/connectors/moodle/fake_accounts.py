"""The user table behind the push tests (``core_user_get_users`` / ``update_users`` /
``delete_users`` on a :class:`FakeMoodle`), and how the tests push."""

from __future__ import annotations

import copy
from typing import Any

from connectors.base import PushCommand, PushResult
from tests.connectors.moodle.fake_moodle import (
    ALL_USERS,
    FakeMoodle,
    answer,
    connector,
    listed,
    listed_pairs,
)


class Accounts:
    """The user table behind ``core_user_get_users`` / ``update_users`` / ``delete_users``."""

    def __init__(self, moodle: FakeMoodle) -> None:
        self.users = copy.deepcopy(ALL_USERS)
        moodle.on("core_user_get_users", self.get)
        moodle.on("core_user_update_users", self.update)
        moodle.on("core_user_delete_users", self.delete)
        moodle.on("core_user_get_users_by_field", self.forbidden)

    def get(self, params: dict[str, Any]) -> Any:
        assert (params["criteria[0][key]"], len(params)) == ("id", 2)
        user = self.users.get(int(params["criteria[0][value]"]))
        return {"users": [user] if user else [], "warnings": []}

    def update(self, params: dict[str, Any]) -> Any:
        user_id = int(params["users[0][id]"])
        if user_id == 2:  # the recorded refusal for the admin account
            warnings = answer("core_user_update_users__suspend_batch_with_warnings")["warnings"]
            return {"warnings": [w for w in warnings if w["itemid"] == 2]}
        if params.get("users[0][email]") == "eero.makinen@example.fi":
            return answer("core_user_update_users__error_email_duplicate")
        user = self.users[user_id]
        for key, value in params.items():
            field = key.removeprefix("users[0][").rstrip("]")
            if field == "suspended":
                user["suspended"] = value == "1"
            elif "[" not in field and field != "id":
                user[field] = value
        for shortname, value in zip(
            listed_pairs(params, r"users\[0\]\[customfields\]", "type"),
            listed_pairs(params, r"users\[0\]\[customfields\]", "value"),
            strict=True,
        ):
            fields = [f for f in user.setdefault("customfields", []) if f["shortname"] != shortname]
            user["customfields"] = [*fields, {"shortname": shortname, "value": value}]
        return answer("core_user_update_users__suspend_one")

    def delete(self, params: dict[str, Any]) -> Any:
        [user_id] = [int(v) for v in listed(params, "userids")]
        if self.users.pop(user_id, None) is None:
            return answer("core_user_delete_users__error_already_deleted")
        return None

    def forbidden(self, params: dict[str, Any]) -> Any:
        raise AssertionError("pushes never look users up with core_user_get_users_by_field")


def push(action: str, user_id: int, **fields: Any) -> PushResult:
    return connector(max_retries=0).push(PushCommand(action, user_id, **fields))  # type: ignore[arg-type]


def sent(moodle: FakeMoodle) -> list[str]:
    return [name for name, _, _ in moodle.calls if name != "core_webservice_get_site_info"]
