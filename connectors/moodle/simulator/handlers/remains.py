"""``local_registrybridge_get_user_remains``: the companion plugin's count, per place, of
the rows still naming a user id (read after a deletion).

The simulator has no forum, file store or grade history: those places count 0, as on a
site where the user never wrote in a forum. The rest is counted from the state the
deletion left (:mod:`connectors.moodle.simulator.lifecycle`), so the answer changes as the
plugin's would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connectors.moodle.functions import REMAINS_FUNCTION
from connectors.moodle.plugin import REMAINS_PLACES
from connectors.moodle.simulator import errors
from connectors.moodle.simulator.handlers.registry import Call, ws_function
from connectors.moodle.simulator.model import User
from connectors.moodle.simulator.state import SiteState
from connectors.moodle.simulator.validation import Int

DELETION_EVENT = "\\core\\event\\user_deleted"
#: Profile fields of the user row that ``delete_user()`` leaves as they were.
PROFILE_FIELDS = ("firstname", "lastname", "city", "country", "phone1", "phone2", "address",
                  "institution", "department", "description")


def _logs(state: SiteState, test: Callable[[Any], bool]) -> int:
    return sum(1 for row in state.logs if test(row))


#: Each place the simulator holds, counted for one user id.
_COUNTS: dict[str, Callable[[SiteState, int], int]] = {
    "log_userid": lambda s, u: _logs(s, lambda r: r.userid == u),
    "log_relateduserid": lambda s, u: _logs(s, lambda r: r.relateduserid == u and r.userid != u),
    "log_deletion_event": lambda s, u: _logs(
        s, lambda r: r.relateduserid == u and r.objectid == u and r.eventname == DELETION_EVENT),
    "messages_sent": lambda s, u: sum(
        1 for messages in s.messages.values() for m in messages if m.useridfrom == u),
    "conversation_memberships": lambda s, u: sum(
        1 for c in s.conversations.values() if u in c.members),
    "grade_grades": lambda s, u: sum(1 for key in s.gradebook if key[1] == u),
    "submissions": lambda s, u: sum(1 for per_user in s.submissions.values() if u in per_user),
    "privacy_requests": lambda s, u: sum(1 for r in s.requests.values() if r.userid == u),
}


def _user_row(user: User | None) -> dict[str, Any]:
    if user is None:
        return {"exists": False, "deleted": False, "usernameanonymised": False,
                "emailanonymised": False, "profilefieldskept": 0}
    email = user.email
    return {
        "exists": True,
        "deleted": user.deleted,
        "usernameanonymised": user.deleted and "@" not in user.username,
        "emailanonymised": len(email) == 32 and all(c in "0123456789abcdef" for c in email),
        "profilefieldskept": sum(1 for f in PROFILE_FIELDS if str(getattr(user, f, "")).strip()),
    }


@ws_function(REMAINS_FUNCTION, userid=Int())
def get_user_remains(call: Call) -> dict[str, Any]:
    """Counts per place, at system level with ``moodle/user:viewalldetails``."""
    call.system_context()
    call.require("moodle/user:viewalldetails")
    userid = call.params["userid"]
    if userid < 1:
        raise errors.invalid_parameter("userid must be a user id")
    state = call.state
    places = [{"place": p, "count": _COUNTS[p](state, userid) if p in _COUNTS else 0}
              for p in REMAINS_PLACES]
    return {"userid": userid, "places": places, "user": _user_row(state.users.get(userid))}
