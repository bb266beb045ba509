"""Helpers of the client tests: the fixed settings fields, a sleep that records its waits,
and canned failures."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from connectors.moodle.client import MoodleClient
from tests.connectors.moodle.samples import (
    make_config,
)

SETTINGS = {
    "moodlewssettinglang": "en",
    "moodlewssettingtimezone": "UTC",
    "moodlewssettingfilter": "0",
    "moodlewssettingraw": "1",
}


class RecordingSleep:
    """Stands in for ``MoodleClient.sleep``: records each wait, waits for nothing."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def client_with_sleep(**overrides: Any) -> tuple[MoodleClient, RecordingSleep]:
    client = MoodleClient(make_config(**overrides))
    sleep = RecordingSleep()
    client.sleep = sleep  # type: ignore[method-assign]
    return client, sleep


def sent_fields(call: Any) -> list[tuple[str, str]]:
    return parse_qsl(call.request.body, keep_blank_values=True)


def maintenance_503(retry_after: str = "300") -> dict[str, Any]:
    return {
        "status": 503,
        "body": "<html><title>Maintenance</title></html>",
        "content_type": "text/html",
        "headers": {"Retry-After": retry_after},
    }


def site_info_error(errorcode: str) -> dict[str, Any]:
    return {
        "exception": "core\\exception\\moodle_exception",
        "errorcode": errorcode,
        "message": "x",
    }
