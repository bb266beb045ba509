"""What Moodle still holds naming a deleted user, read through the companion plugin.

Moodle's privacy request reaches "deleted" while rows naming the user stay: by design (log
rows naming them as the related user, the deletion event, the request record, the user
row marked deleted), where the Data registry protects a context, and on 4.5 where a core
fault (``contextlist_base::set_contextids()``) hands a privacy provider only some of the
user's contexts (CONTRACTS 6). The erasure's read-back asks the plugin's
``local_registrybridge_get_user_remains`` (1.3) how many rows each place still holds, so
the receipt says what was kept instead of what Moodle promises. The answer is counts and
flags only; it travels up in ``LmsState.remains`` under the plugin's place names, with the
user row's flags as ``user_*`` keys.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from typing import Any

from connectors.base import LmsState, TerminalError
from connectors.moodle.client import MoodleClient
from connectors.moodle.functions import REMAINS_FUNCTION
from connectors.moodle.parse import SiteInfo
from connectors.moodle.plugin import REMAINS_PLACES, REMAINS_USER_FIELDS

log = logging.getLogger(__name__)

#: The user row's flags, as ``LmsState.remains`` names them.
USER_KEYS: dict[str, str] = {
    "exists": "user_row",
    "deleted": "user_deleted",
    "usernameanonymised": "user_username_anonymised",
    "emailanonymised": "user_email_anonymised",
    "profilefieldskept": "user_profile_fields_kept",
}


def parse_remains(answer: Any, user_id: int) -> dict[str, int | bool]:
    """The plugin's answer as ``LmsState.remains``; ValueError when it is not of its shape."""
    if not isinstance(answer, Mapping) or answer.get("userid") != user_id:
        raise ValueError(f"{REMAINS_FUNCTION}: not an answer about user {user_id}")
    counts: dict[str, int | bool] = {}
    for entry in answer.get("places") or ():
        place, count = entry.get("place"), entry.get("count")
        if not isinstance(place, str) or not isinstance(count, int) or isinstance(count, bool):
            raise ValueError(f"{REMAINS_FUNCTION}: unexpected place {entry!r}")
        counts[place] = count
    missing = sorted(set(REMAINS_PLACES) - set(counts))
    user = answer.get("user")
    if missing or not isinstance(user, Mapping) or set(REMAINS_USER_FIELDS) - set(user):
        raise ValueError(f"{REMAINS_FUNCTION}: incomplete answer (missing {missing or 'user'})")
    for key, name in USER_KEYS.items():
        value = user[key]
        counts[name] = int(value) if key == "profilefieldskept" else bool(value)
    return counts


def with_remains(
    client: MoodleClient, site: Callable[[], SiteInfo], state: LmsState
) -> LmsState:
    """``state`` (the read-back after a deletion) with what Moodle still holds naming the
    account, when the service has the plugin's function; else unchanged (``remains`` None,
    and the receipt says they were not read). A refusal (e.g. a missing capability) is
    logged and leaves them unread, as does an answer of another shape; a transient error is
    raised, so the push is tried again."""
    if REMAINS_FUNCTION not in site().functions:
        return state
    try:
        answer = client.call(REMAINS_FUNCTION, {"userid": state.lms_user_id})
        remains = parse_remains(answer, state.lms_user_id)
    except (TerminalError, ValueError) as exc:
        log.warning("%s failed (%s): what remains is not read back", REMAINS_FUNCTION, exc)
        return state
    return dataclasses.replace(state, remains=remains)
