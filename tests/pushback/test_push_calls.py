"""What one push costs in Moodle: the connector reads, writes and reads back once, and the
worker decides from that read-back without asking Moodle again (issue 15, item 5)."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests

from bridge.services.push.worker import PushWorker
from connectors.base import Connector
from connectors.moodle.config import MoodleConfig
from connectors.moodle.connector import MoodleConnector
from tests.pushback.helpers import ACTOR, Site

pytestmark = [pytest.mark.registry, pytest.mark.slow]


def recording_worker(site: Site, functions: list[str]) -> PushWorker:
    """A worker whose Moodle connector notes the web-service function of every HTTP request."""
    section = site.settings.connectors["moodle"]
    options = section.model_dump(exclude={"token", "token_file"})

    def note(response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        body = response.request.body or ""
        text = body.decode() if isinstance(body, bytes) else body
        functions.extend(parse_qs(text).get("wsfunction", ["?"]))

    def factory(name: str, stop: threading.Event) -> Connector:
        session = requests.Session()
        session.hooks["response"].append(note)
        config = MoodleConfig.from_options(options, site.settings.connector_token("moodle"))
        return MoodleConnector(config, session=session, stop_event=stop)

    return PushWorker(
        site.settings, site.sessions, site.settings.connector_token, actor=ACTOR,
        connector_factory=factory,
    )


def test_a_suspend_costs_three_moodle_calls_read_write_read_back(site: Site) -> None:
    person_id, _, uid = next(s for s in site.students() if not site.suspended(s[2]))
    site.withdraw(person_id)
    functions: list[str] = []
    worker = recording_worker(site, functions)
    try:
        stats = worker.run_once()
    finally:
        worker.close()
    assert (stats.claimed, stats.done) == (1, 1)
    assert functions == ["core_user_get_users", "core_user_update_users", "core_user_get_users"]
    assert site.suspended(uid) is True
    [command] = site.commands(lms_user_id=uid)
    assert command.state == "done" and command.verified_at is not None
