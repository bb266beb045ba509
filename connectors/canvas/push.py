"""Push-back with Canvas's own means, each read back before it is reported.

* revoke (``suspend``): every login of the user is suspended
  (``login[workflow_state]=suspended``), then the logins are read back; ``unsuspend``
  reactivates them;
* ``unenrol`` (``revoke_access = "suspend_and_unenrol"``): each active or invited
  enrolment in the named courses ends with ``task=conclude`` or ``task=deactivate``
  (``unenrol_task``), then the user's active enrolments are read back;
* ``delete_user`` (erasure): the logins are suspended first, then the user is deleted
  from the account, and read back: the account's users no longer list it (Canvas keeps
  the row and answers its endpoint "not authorized", see :meth:`CanvasPush.user`);
* ``rectify``: name and e-mail through ``PUT /api/v1/users/:id``, read back.

Canvas has no data-request workflow like Moodle's privacy tool, so ``privacy_delete``,
``approve_request`` and ``deny_request`` are answered with a terminal error naming why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.base import LmsState, PushCommand, PushResult
from connectors.canvas import endpoints as ep
from connectors.canvas.client import CanvasClient
from connectors.canvas.config import CanvasConfig
from connectors.canvas.errors import NotFound, PermissionRefused

Raw = Mapping[str, Any]

NO_REQUESTS = (
    "Canvas has no data-request workflow (Moodle's privacy requests); erasure in Canvas "
    'deletes the user: set erasure = "delete_user" for this connector'
)
RECTIFIABLE = frozenset({"first_name", "last_name", "email"})


class CanvasPush:
    """The push actions of one connector, over its client."""

    def __init__(self, client: CanvasClient, config: CanvasConfig) -> None:
        self._client = client
        self._config = config

    # ------------------------------------------------------------------ reading back

    def user(self, user_id: int) -> Raw | None:
        """The user as ``GET /api/v1/users/:id`` shows it; None when deleted or unknown.

        Canvas keeps a deleted user's row but the admin has no right over a user of none
        of its accounts, so it answers "not authorized", as for a missing permission: the
        account's user search then tells the two apart (the user is no longer listed)."""
        try:
            raw = self._client.get(ep.USER, user_id=user_id)
        except NotFound:
            return None
        except PermissionRefused:
            if not self.listed(user_id):
                return None
            raise
        if not isinstance(raw, Mapping) or raw.get("workflow_state") == "deleted":
            return None
        return raw

    def listed(self, user_id: int) -> bool:
        """Whether the account's users include ``user_id``: searched by the id when it is
        long enough for Canvas's search (3 characters), else the complete listing."""
        term = str(user_id)
        query = {"search_term": term} if len(term) >= 3 else {}
        pages = self._client.pages(ep.ACCOUNT_USERS, query, account_id=self._config.account_id)
        return any(u.get("id") == user_id for page in pages for u in page
                   if isinstance(u, Mapping))

    def logins(self, user_id: int) -> list[Raw]:
        try:
            return [x for page in self._client.pages(ep.USER_LOGINS, user_id=user_id)
                    for x in page]
        except NotFound:
            return []

    def active_courses(self, user_id: int, among: tuple[int, ...] = ()) -> tuple[int, ...]:
        query = {"state[]": ["active", "invited"]}
        try:
            pages = self._client.pages(ep.USER_ENROLLMENTS, query, user_id=user_id)
            ids = {e.get("course_id") for page in pages for e in page}
        except NotFound:
            return ()
        return tuple(sorted(c for c in ids if isinstance(c, int) and (not among or c in among)))

    def state(self, user_id: int, asked: Mapping[str, Any] | None = None) -> LmsState:
        raw = self.user(user_id)
        if raw is None:
            return LmsState(user_id, exists=False)
        logins = self.logins(user_id)
        # Without an active login nobody can sign in as the user: that is suspended too.
        suspended = all(x.get("workflow_state") == "suspended" for x in logins)
        fields = {name: _field(raw, name) for name in asked or {}}
        return LmsState(user_id, exists=True, suspended=suspended, fields=fields)

    # ------------------------------------------------------------------ actions

    def set_suspended(self, command: PushCommand, suspended: bool) -> PushResult:
        user_id = command.lms_user_id
        word, wanted = ("suspended", "suspended") if suspended else ("reactivated", "active")
        if self.user(user_id) is None:
            gone = LmsState(user_id, exists=False)
            if suspended:  # nobody logs in with a user that does not exist
                return PushResult.already_applied("user does not exist in Canvas", gone)
            return PushResult.terminal_error("user does not exist in Canvas")
        todo = [x for x in self.logins(user_id) if x.get("workflow_state") != wanted]
        if not todo:
            return PushResult.already_applied(f"logins already {word}", self.state(user_id))
        for login in todo:
            account = login.get("account_id") or self._config.account_id
            self._client.send(ep.UPDATE_LOGIN, {"login[workflow_state]": wanted},
                              account_id=account, login_id=login["id"])
        return PushResult.applied(f"{len(todo)} login(s) {word}", self.state(user_id))

    def unenrol(self, command: PushCommand) -> PushResult:
        user_id = command.lms_user_id
        if not command.course_ids:
            return PushResult.terminal_error("unenrol needs at least one course id")
        ended: list[int] = []
        for course_id in command.course_ids:
            query = {"user_id": user_id, "state[]": ["active", "invited"]}
            pages = self._client.pages(ep.ENROLLMENTS, query, course_id=course_id)
            for enrolment in (e for page in pages for e in page):
                if enrolment.get("user_id") != user_id:
                    continue
                self._client.send(ep.END_ENROLLMENT, query={"task": self._config.unenrol_task},
                                  course_id=course_id, enrollment_id=enrolment["id"])
                ended.append(course_id)
        still = self.active_courses(user_id, command.course_ids)
        seen = LmsState(user_id, exists=self.user(user_id) is not None, active_course_ids=still)
        if not ended:
            return PushResult.already_applied("no active enrolment in the given courses", seen)
        task = self._config.unenrol_task
        return PushResult.applied(f"enrolments {task}d in course(s) {sorted(set(ended))}", seen)

    def delete_user(self, command: PushCommand) -> PushResult:
        user_id = command.lms_user_id
        if self.user(user_id) is None:
            gone = LmsState(user_id, exists=False)
            return PushResult.already_applied("user no longer exists in Canvas", gone)
        self.set_suspended(command, True)  # access ends at once, before the deletion
        try:
            self._client.send(ep.DELETE_USER, account_id=self._config.account_id,
                              user_id=user_id)
        except NotFound:
            if self.user(user_id) is not None:
                raise
            gone = LmsState(user_id, exists=False)
            return PushResult.already_applied("user was deleted meanwhile", gone)
        return PushResult.applied("user deleted from the account", self.state(user_id))

    def rectify(self, command: PushCommand) -> PushResult:
        unknown = sorted(set(command.changes) - RECTIFIABLE)
        if not command.changes or unknown:
            allowed = ", ".join(sorted(RECTIFIABLE))
            return PushResult.terminal_error(
                f"cannot rectify {unknown or 'nothing'} in Canvas; allowed: {allowed}")
        user_id = command.lms_user_id
        before = self.user(user_id)
        if before is None:
            return PushResult.terminal_error("user does not exist in Canvas")
        if all(_field(before, k) == v for k, v in command.changes.items()):
            seen = self.state(user_id, command.changes)
            return PushResult.already_applied("Canvas already holds these values", seen)
        first = command.changes.get("first_name", _field(before, "first_name")) or ""
        last = command.changes.get("last_name", _field(before, "last_name")) or ""
        update: dict[str, Any] = {"user[name]": f"{first} {last}".strip(),
                                  "user[short_name]": f"{first} {last}".strip(),
                                  "user[sortable_name]": f"{last}, {first}"}
        if "email" in command.changes:
            update["user[email]"] = command.changes["email"]
        self._client.send(ep.UPDATE_USER, update, user_id=user_id)
        seen = self.state(user_id, command.changes)
        return PushResult.applied(f"rectified {', '.join(sorted(command.changes))}", seen)


def _field(user: Raw, name: str) -> Any:
    """A rectifiable value as Canvas holds it (names from ``sortable_name``)."""
    if name == "email":
        return user.get("email")
    sortable = str(user.get("sortable_name") or "")
    last, _, first = sortable.partition(",")
    return first.strip() if name == "first_name" else last.strip()
