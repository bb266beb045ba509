"""A small Moodle site served from the recorded answers, with one answer swapped for a
mutated one: what the fuzz tests sync from.

Every function the sync reads is answered from a sample in ``tests/fixtures/moodle``
(the copies of ``/work/shared/moodle-samples``). An answer that a handler builds per
request (the roster pages, the user details) is mutated in its source data, so the
mutation reaches the connector as Moodle would send it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import responses

from connectors.moodle.config import MoodleConfig, PageSizes
from connectors.moodle.connector import MoodleConnector
from tests.connectors.moodle.fake_moodle import FakeMoodle, answer, listed, options
from tests.connectors.moodle.samples import make_client, make_config

USERS = "core_user_get_users_by_field"
ROSTER = "core_enrol_get_enrolled_users"

#: Function → the recorded answer it is served from (whatever the parameters).
ANSWERS: dict[str, str] = {
    "core_course_get_courses_by_field": "core_course_get_courses_by_field__all",
    "gradereport_user_get_grade_items": "gradereport_user_get_grade_items__course_all_users",
    "mod_assign_get_assignments": "mod_assign_get_assignments__courseids_includenotenrolled",
    "mod_assign_get_submissions": "mod_assign_get_submissions__all",
    "mod_assign_get_grades": "mod_assign_get_grades__all",
    "core_enrol_get_enrolled_users_with_capability": (
        "core_enrol_get_enrolled_users_with_capability__teachers_two_courses"
    ),
    "core_message_get_conversations": "core_message_get_conversations__teacher_all",
    "core_message_get_conversation_messages": (
        "core_message_get_conversation_messages__teacher_view"
    ),
}


def base_answers() -> dict[str, Any]:
    """Function → the data its answers are built from (mutate these)."""
    users = answer("core_user_get_users__all_by_email_wildcard")["users"]
    data = {name: answer(sample) for name, sample in ANSWERS.items()}
    data["core_webservice_get_site_info"] = answer("core_webservice_get_site_info__normal")
    data[USERS] = users
    data[ROSTER] = answer("core_enrol_get_enrolled_users__default_fields")
    data["frontpage"] = [{"id": u["id"], "username": u["username"]} for u in users]
    return data


def serve(moodle: FakeMoodle, data: dict[str, Any]) -> None:
    """Answer every function from ``data`` (as built by :func:`base_answers`)."""
    for function in (*ANSWERS, "core_webservice_get_site_info"):
        moodle.on(function, data[function])
    moodle.on(ROSTER, lambda params: _roster(data, params))
    moodle.on(USERS, lambda params: _users(data, params))


def _roster(data: dict[str, Any], params: dict[str, Any]) -> Any:
    rows = data["frontpage"] if params.get("courseid") == "1" else data[ROSTER]
    if not isinstance(rows, list):
        return copy.deepcopy(rows)
    opts = options(params)
    start, size = int(opts.get("limitfrom", 0)), int(opts.get("limitnumber", 0))
    return copy.deepcopy(rows[start : start + size] if size else rows[start:])


def _users(data: dict[str, Any], params: dict[str, Any]) -> Any:
    """The users asked for, matched on their recorded id (so a mutated id is still sent)."""
    users = data[USERS]
    if not isinstance(users, list):
        return copy.deepcopy(users)
    wanted = set(listed(params, "values"))
    if len(users) == len(RECORDED_USERS):
        recorded = [str(u["id"]) for u in RECORDED_USERS]
    else:  # a user removed or duplicated: the rest are matched on their own ids
        recorded = [str(u.get("id")) if isinstance(u, dict) else "" for u in users]
    return [copy.deepcopy(u) for u, i in zip(users, recorded, strict=True) if i in wanted]


RECORDED_USERS = base_answers()[USERS]


@contextmanager
def site(data: dict[str, Any]) -> Iterator[FakeMoodle]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        moodle = FakeMoodle(rsps)
        serve(moodle, data)
        yield moodle


def connector(**overrides: Any) -> MoodleConnector:
    """A Moodle connector for the fake site, with small pages and no retry waits."""
    settings = {"max_retries": 0, "page_sizes": PageSizes(roster=4, users=5), **overrides}
    config: MoodleConfig = make_config(**settings)
    client = make_client(**settings)
    return MoodleConnector(config, client=client)
