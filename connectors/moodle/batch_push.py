"""Suspensions and unsuspensions of many accounts at once, in few requests.

When an employer's contract ends, a thousand accounts lose access on the same day. One
push per person costs three requests each (read, update, read back); here the same three
steps run per *batch*: ``core_user_get_users_by_field`` reads many accounts per call,
``core_user_update_users`` changes many per call (two fields each), and a second
``core_user_get_users_by_field`` reads them back. Every batch stays within
``max_form_fields`` (CONTRACTS 5, reference 1.2). Each command still gets its own result
with its own read-back (CONTRACTS 13: ``already_applied`` only after reading), which the
push worker judges, as for a single push.

Anything the batch cannot report for certain goes through the one-person path of
:class:`~connectors.moodle.connector.MoodleConnector`: an account missing from a
listing (unknown, or deleted: ``core_user_get_users`` by id tells), a per-item warning
of the update, and a batch read that fails as a whole (a deleted account after Moodle's
context clean-up fails the whole ``core_user_get_users_by_field`` call, CONTRACTS 13).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connectors.base import LmsState, PushCommand, PushResult
from connectors.moodle.client import MoodleClient
from connectors.moodle.errors import MoodleError

BY_FIELD = "core_user_get_users_by_field"
UPDATE_USERS = "core_user_update_users"
#: The actions a batch can carry, and the ``suspended`` value each asks for.
BATCHABLE = {"suspend": True, "unsuspend": False}

Single = Callable[[PushCommand], PushResult]


class BatchPush:
    """Carries out many suspend (or unsuspend) commands in batches; see the module doc."""

    def __init__(self, client: MoodleClient, single: Single) -> None:
        self._client, self._single = client, single

    def run(self, commands: Sequence[PushCommand]) -> list[PushResult]:
        """One result per command, in order; non-batchable commands go one by one."""
        results: dict[int, PushResult] = {}
        for action, wanted in BATCHABLE.items():
            group = [(i, c) for i, c in enumerate(commands) if c.action == action]
            ids = list(dict.fromkeys(c.lms_user_id for _, c in group))
            for chunk in self._client.chunk_ids(ids, other_params={"field": "id"}):
                by_user = self._apply(chunk, wanted)
                for index, command in group:
                    if command.lms_user_id in by_user:
                        results[index] = by_user[command.lms_user_id]
        return [results.get(i) or self._single(c) for i, c in enumerate(commands)]

    def _read(self, user_ids: Sequence[int]) -> dict[int, Mapping[str, Any]] | None:
        """The accounts listed by id, or None when Moodle refused the whole call."""
        values = [str(i) for i in user_ids]
        try:
            answer = self._client.call(BY_FIELD, {"field": "id", "values": values})
        except MoodleError as exc:
            if exc.errorcode != "invaliduser":  # only a deleted account fails the whole call
                raise
            return None
        listed = answer if isinstance(answer, list) else []
        return {u["id"]: u for u in listed if isinstance(u, Mapping) and u.get("id") in user_ids}

    def _apply(self, user_ids: Sequence[int], wanted: bool) -> dict[int, PushResult]:
        """Results for the accounts this batch read back; the others are left out."""
        word = "suspended" if wanted else "unsuspended"
        before = self._read(user_ids)
        if before is None:
            return {}
        settled: dict[int, PushResult] = {}
        to_change = []
        for user_id, user in before.items():
            if bool(user.get("suspended")) == wanted:
                seen = LmsState(user_id, exists=True, suspended=wanted)
                settled[user_id] = PushResult.already_applied(f"account already {word}", seen)
            else:
                to_change.append(user_id)
        refused: set[int] = set()
        for chunk in self._client.chunk_ids(to_change, per_item_fields=2):
            users = [{"id": i, "suspended": int(wanted)} for i in chunk]
            answer = self._client.call(UPDATE_USERS, {"users": users})
            warnings = (answer or {}).get("warnings") if isinstance(answer, Mapping) else None
            refused.update(w.get("itemid") for w in warnings or () if isinstance(w, Mapping))
        changed = [i for i in to_change if i not in refused]
        after = self._read(changed) if changed else {}
        for user_id in changed:
            user = (after or {}).get(user_id)
            if user is not None:
                seen = LmsState(user_id, exists=True, suspended=bool(user.get("suspended")))
                settled[user_id] = PushResult.applied(f"account {word}", seen)
        return settled
