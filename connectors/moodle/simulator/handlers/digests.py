"""``local_registrybridge_get_digests``: the companion plugin's table fingerprints.

The plugin sums columns of Moodle's tables; the simulator has no tables, so each
fingerprint hashes the part of the site's state the table holds. The values differ from a
real site's, as they may (they are opaque), but they change when the plugin's would: when
a row the table holds is added, removed or changed. The caller's own rows are left out,
as the plugin leaves them out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from connectors.moodle.functions import DIGEST_FUNCTION
from connectors.moodle.simulator.handlers.registry import Call, ws_function
from connectors.moodle.simulator.state import SiteState


def _people(state: SiteState, caller: int) -> list[Any]:
    return [u for u in state.users.values() if u.id != caller]


#: Each table of the plugin, and the part of the state that holds its rows.
_TABLES: dict[str, Callable[[SiteState, int], Any]] = {
    "user": _people,
    "user_info_data": lambda s, c: [(u.id, u.customfields) for u in _people(s, c)],
    "course": lambda s, c: list(s.courses.values()),
    "course_categories": lambda s, c: list(s.categories.values()),
    "enrol": lambda s, c: [(co.id, co.self_enrolment) for co in s.courses.values()],
    "user_enrolments": lambda s, c: list(s.enrolments.values()),
    "role_assignments": lambda s, c: list(s.enrolments.values()),
    "groups": lambda s, c: list(s.groups.values()),
    "groups_members": lambda s, c: list(s.groups.values()),
    "user_lastaccess": lambda s, c: sorted(
        (k, v) for k, v in s.lastcourseaccess.items() if k[0] != c),
    "grade_items": lambda s, c: list(s.grade_items.values()),
    # A module's grades live in the assignment's tables and reach the gradebook from there.
    "grade_grades": lambda s, c: (list(s.gradebook.items()), s.assign_grades, s.submissions),
    "assign": lambda s, c: list(s.assignments.values()),
    "course_modules": lambda s, c: list(s.assignments.values()),
    "assign_submission": lambda s, c: s.submissions,
    "assign_grades": lambda s, c: s.assign_grades,
    "message_conversations": lambda s, c: list(s.conversations.values()),
    "message_conversation_members": lambda s, c: list(s.conversations.values()),
    "messages": lambda s, c: s.messages,
    "message_user_actions": lambda s, c: sorted(s.message_deletions),
}


@ws_function(DIGEST_FUNCTION)
def get_digests(call: Call) -> dict[str, Any]:
    """One fingerprint per table, at system level with ``moodle/site:viewparticipants``."""
    call.system_context()
    call.require("moodle/site:viewparticipants")
    caller = call.user.id
    return {"digests": [
        {"name": name, "value": hashlib.blake2b(repr(rows(call.state, caller)).encode(),
                                                digest_size=16).hexdigest()}
        for name, rows in _TABLES.items()
    ]}
