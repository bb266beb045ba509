"""A fake Moodle REST endpoint for ``responses`` and the pieces of a site the connector tests
serve from it (rosters, user tables), built from the recorded answers."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import responses

from connectors.moodle.connector import MoodleConnector
from connectors.records import (
    Batch,
)
from tests.connectors.moodle.samples import ENDPOINT, load_sample, make_client, make_config

Handler = Callable[[dict[str, Any]], Any]
_TRANSPORT = {"wstoken", "wsfunction", "moodlewsrestformat"}
SIM_URL = "https://moodle.test"


def answer(name: str) -> Any:
    """A recorded answer (a fresh copy each time)."""
    return copy.deepcopy(load_sample(name)["response"]["json"])


def listed(params: dict[str, Any], name: str) -> list[str]:
    """``name[0]``, ``name[1]``, ... of a decoded form, in index order."""
    found = [
        (int(m.group(1)), v)
        for k, v in params.items()
        if (m := re.fullmatch(rf"{name}\[(\d+)\]", k))
    ]
    return [v for _, v in sorted(found)]


def options(params: dict[str, Any]) -> dict[str, str]:
    """``options[i][name]`` / ``options[i][value]`` as a dict."""
    names, values = (
        listed_pairs(params, "options", "name"),
        listed_pairs(params, "options", "value"),
    )
    return dict(zip(names, values, strict=True))


def listed_pairs(params: dict[str, Any], name: str, key: str) -> list[str]:
    found = [
        (int(m.group(1)), v)
        for k, v in params.items()
        if (m := re.fullmatch(rf"{name}\[(\d+)\]\[{key}\]", k))
    ]
    return [v for _, v in sorted(found)]


class FakeMoodle:
    """A Moodle REST endpoint for ``responses``: one handler per function, every call recorded.

    A handler receives the decoded form fields (transport fields removed) and
    returns the JSON answer, or ``bytes`` sent as they are; a Moodle error object is
    answered like Moodle does (HTTP 200).
    """

    def __init__(self, rsps: responses.RequestsMock, site: dict[str, Any] | None = None) -> None:
        self.handlers: dict[str, Handler] = {}
        self.calls: list[tuple[str, dict[str, Any], int]] = []
        self.on(
            "core_webservice_get_site_info", site or answer("core_webservice_get_site_info__normal")
        )
        rsps.add_callback(responses.POST, ENDPOINT, callback=self._answer)

    def on(self, function: str, reply: Any) -> None:
        self.handlers[function] = (
            reply if callable(reply) else (lambda _params, r=reply: copy.deepcopy(r))
        )

    def _answer(self, request: Any) -> tuple[int, dict[str, str], str | bytes]:
        fields = parse_qsl(request.body, keep_blank_values=True)
        params = {
            k: v for k, v in fields if k not in _TRANSPORT and not k.startswith("moodlewssetting")
        }
        function = dict(fields)["wsfunction"]
        self.calls.append((function, params, len(fields)))
        handler = self.handlers.get(function)
        if handler is None:
            body: Any = {
                "exception": "webservice_access_exception",
                "errorcode": "accessexception",
                "message": "Access control exception",
            }
        else:
            body = handler(params)
        raw = body if isinstance(body, bytes) else json.dumps(body)
        return 200, {"Content-type": "application/json"}, raw

    def count(self, function: str | None = None) -> int:
        return sum(1 for name, _, _ in self.calls if function in (None, name))

    def params(self, function: str) -> list[dict[str, Any]]:
        return [p for name, p, _ in self.calls if name == function]


def connector(**config: Any) -> MoodleConnector:
    client = make_client(**config)
    return MoodleConnector(make_config(**config), client=client)


def pull(stream: str, bookmark: Any = None, **config: Any) -> list[Batch]:
    return list(connector(**config).pull(stream, bookmark))


def records(batches: list[Batch], kind: type | None = None) -> list[Any]:
    return [r for b in batches for r in b.records if kind is None or isinstance(r, kind)]


# --------------------------------------------------------------------------- fake site pieces


ALL_USERS = {u["id"]: u for u in answer("core_user_get_users__all_by_email_wildcard")["users"]}


def roster(rows: list[dict[str, Any]]) -> Handler:
    """``core_enrol_get_enrolled_users`` paged like Moodle (limitfrom/limitnumber over id order)."""

    def handle(params: dict[str, Any]) -> Any:
        opts = options(params)
        start, size = int(opts.get("limitfrom", 0)), int(opts.get("limitnumber", 0))
        return rows[start : start + size] if size else rows[start:]

    return handle


def users_by_id(pool: dict[int, dict[str, Any]]) -> Handler:
    def handle(params: dict[str, Any]) -> Any:
        assert params["field"] == "id"
        return [pool[i] for i in sorted(int(v) for v in listed(params, "values")) if i in pool]

    return handle


def synthetic_users(count: int) -> dict[int, dict[str, Any]]:
    """The service user (25) plus ``count`` students from id 100 on."""
    pool = {25: ALL_USERS[25]}
    for n in range(100, 100 + count):
        pool[n] = {
            "id": n,
            "username": f"student{n}",
            "firstname": "S",
            "lastname": str(n),
            "email": f"s{n}@example.fi",
            "auth": "manual",
            "suspended": False,
        }
    return pool


def serve_users(moodle: FakeMoodle, pool: dict[int, dict[str, Any]]) -> None:
    moodle.on(
        "core_enrol_get_enrolled_users", roster([{"id": i, "fullname": "x"} for i in sorted(pool)])
    )
    moodle.on("core_user_get_users_by_field", users_by_id(pool))


def courses_answer(*ids: int) -> dict[str, Any]:
    """``core_course_get_courses_by_field`` with the front page (1) and courses ``ids``."""
    return {
        "courses": [{"id": i, "shortname": f"C{i}", "fullname": f"Course {i}"} for i in (1, *ids)],
        "warnings": [],
    }
