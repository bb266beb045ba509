"""The REST client's retries of transient failures, their waits, and stopping during a wait."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import responses

from connectors.base import TransientError
from connectors.moodle.client import MoodleClient, parse_retry_after
from connectors.moodle.errors import (
    InvalidToken,
    ServerError,
    Stopped,
)
from tests.connectors.moodle.client_fakes import (
    client_with_sleep,
    maintenance_503,
    site_info_error,
)
from tests.connectors.moodle.samples import (
    ENDPOINT,
    make_config,
    register_sample,
)

# --------------------------------------------------------------------------- retry


def test_transient_failures_are_retried_until_success(rsps: responses.RequestsMock) -> None:
    client, sleep = client_with_sleep()
    rsps.add(responses.POST, ENDPOINT, status=503, body="")
    rsps.add(responses.POST, ENDPOINT, status=502, body="")
    rsps.add(responses.POST, ENDPOINT, json={"ok": 1})

    assert client.call("core_webservice_get_site_info") == {"ok": 1}
    assert len(rsps.calls) == 3
    assert client.request_count == 3
    assert len(sleep.waits) == 2


def test_terminal_errors_are_not_retried(rsps: responses.RequestsMock) -> None:
    client, sleep = client_with_sleep()
    register_sample(rsps, "core_webservice_get_site_info__error_invalid_token")

    with pytest.raises(InvalidToken):
        client.call("core_webservice_get_site_info")
    assert len(rsps.calls) == 1
    assert sleep.waits == []


def test_retries_give_up_after_max_retries(rsps: responses.RequestsMock) -> None:
    client, sleep = client_with_sleep(max_retries=2)
    rsps.add(responses.POST, ENDPOINT, status=500, body="")

    with pytest.raises(ServerError) as caught:
        client.call("core_webservice_get_site_info")
    assert isinstance(caught.value, TransientError)
    assert len(rsps.calls) == 3
    assert client.request_count == 3
    assert len(sleep.waits) == 2


def test_retry_after_is_honoured(rsps: responses.RequestsMock) -> None:
    client, sleep = client_with_sleep()
    rsps.add(responses.POST, ENDPOINT, **maintenance_503("7"))
    rsps.add(responses.POST, ENDPOINT, json={})

    client.call("core_webservice_get_site_info")
    assert sleep.waits == [7.0]


def test_retry_after_is_capped_by_max_backoff(rsps: responses.RequestsMock) -> None:
    client, sleep = client_with_sleep(max_backoff_s=60)
    rsps.add(responses.POST, ENDPOINT, **maintenance_503("300"))
    rsps.add(responses.POST, ENDPOINT, json={})

    client.call("core_webservice_get_site_info")
    assert sleep.waits == [60.0]


def test_backoff_grows_within_the_cap(rsps: responses.RequestsMock) -> None:
    client, sleep = client_with_sleep(max_retries=8, max_backoff_s=3)
    rsps.add(responses.POST, ENDPOINT, status=500, body="")

    with pytest.raises(ServerError):
        client.call("core_webservice_get_site_info")
    assert len(sleep.waits) == 8
    assert all(0 <= w <= 3 for w in sleep.waits)
    assert sum(sleep.waits) > 0


def test_web_maintenance_is_retried(rsps: responses.RequestsMock) -> None:
    client, sleep = client_with_sleep()
    rsps.add(responses.POST, ENDPOINT, json=site_info_error("sitemaintenance"))
    rsps.add(responses.POST, ENDPOINT, json={"sitename": "x"})

    assert client.call("core_webservice_get_site_info") == {"sitename": "x"}
    assert len(sleep.waits) == 1


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 0 ") == 0
    assert parse_retry_after("-5") == 0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    assert 100 <= (parse_retry_after(when) or 0) <= 120


# --------------------------------------------------------------------------- stopping


def test_stop_ends_a_retry_wait_at_once(rsps: responses.RequestsMock) -> None:
    stop = threading.Event()
    client = MoodleClient(make_config(max_backoff_s=60), stop_event=stop)
    first_request = threading.Event()

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        first_request.set()
        return 503, {"Retry-After": "300"}, ""

    rsps.add_callback(responses.POST, ENDPOINT, callback=answer)
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            client.call("core_webservice_get_site_info")
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    assert first_request.wait(5)
    stop.set()
    worker.join(5)  # the client would otherwise wait 60 s

    assert not worker.is_alive()
    assert len(outcome) == 1
    assert isinstance(outcome[0], Stopped)
    assert isinstance(outcome[0], TransientError)
    assert client.request_count == 1


def test_no_request_starts_after_a_stop(rsps: responses.RequestsMock) -> None:
    stop = threading.Event()
    stop.set()
    client = MoodleClient(make_config(), stop_event=stop)
    with pytest.raises(Stopped):
        client.call("core_webservice_get_site_info")
    assert len(rsps.calls) == 0
