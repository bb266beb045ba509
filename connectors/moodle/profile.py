"""How a rectification maps onto Moodle's profile: which fields may change, under which
names, and how a read-back is compared with what was asked (missing, ``null`` and ``""``
alike, as Moodle stores them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Rectifiable fields: the ones ``core_user_get_users`` reads back (reference 2.4).
#: Register names on the left map to Moodle's; Moodle's own names are accepted too.
RECTIFY_NAMES = {
    "first_name": "firstname",
    "last_name": "lastname",
    "custom_fields": "customfields",
}
RECTIFIABLE = frozenset(
    {"username", "firstname", "lastname", "email", "idnumber", "phone1", "phone2"}
    | {"institution", "department", "city", "country", "description", "customfields"}
)


def profile_text(value: Any) -> str:
    """How Moodle stores a profile value: text, with ``None`` as empty."""
    return "" if value is None else str(value)


def read_back(user: Mapping[str, Any], key: str) -> Any:
    """What Moodle holds for one profile field (its own name): custom fields as a mapping
    of short names to values."""
    if key == "customfields":
        return {f.get("shortname"): f.get("value") for f in user.get("customfields") or ()}
    return user.get(key)


def differences(user: Mapping[str, Any], changes: Mapping[str, Any]) -> list[str]:
    """Names of requested fields whose value in Moodle differs (missing, null and "" alike):
    whether a rectification has anything to write."""
    wrong = []
    for key, wanted in changes.items():
        if key == "customfields":
            held = read_back(user, key)
            wrong += [
                f"customfields.{k}"
                for k, v in dict(wanted).items()
                if profile_text(held.get(k)) != profile_text(v)
            ]
        elif profile_text(user.get(key)) != profile_text(wanted):
            wrong.append(key)
    return wrong
