"""The REST client: what goes on the wire, retries, stopping, secrecy and parallel calls."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus

import pytest
import requests
import responses
from pydantic import SecretStr

from connectors.base import TerminalError, TransientError
from connectors.moodle.client import MoodleClient, parse_retry_after
from connectors.moodle.errors import (
    BadUrl,
    InvalidParameter,
    InvalidToken,
    MoodleError,
    ServerError,
    SiteMaintenance,
    Stopped,
)
from connectors.moodle.form import TRANSPORT_FIELD_COUNT
from tests.connectors.moodle.samples import (
    BASE_URL,
    ENDPOINT,
    SENTINEL_TOKEN,
    load_sample,
    make_client,
    make_config,
    register_sample,
)

SETTINGS = {
    "moodlewssettinglang": "en",
    "moodlewssettingtimezone": "UTC",
    "moodlewssettingfilter": "0",
    "moodlewssettingraw": "1",
}


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


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


# --------------------------------------------------------------------------- the wire


def test_call_posts_the_token_in_the_body_and_returns_the_answer(
    rsps: responses.RequestsMock,
) -> None:
    sample = load_sample("core_webservice_get_site_info__normal")
    register_sample(rsps, sample)

    answer = make_client().call("core_webservice_get_site_info")

    assert answer == sample["response"]["json"]
    (call,) = rsps.calls
    assert call.request.method == "POST"
    assert call.request.url == ENDPOINT  # no query string: the token stays out of access logs
    assert SENTINEL_TOKEN not in call.request.url
    assert call.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent_fields(call) == [
        ("wstoken", SENTINEL_TOKEN),
        ("wsfunction", "core_webservice_get_site_info"),
        ("moodlewsrestformat", "json"),
        *SETTINGS.items(),
    ]


def test_request_carries_what_the_recorded_raw_request_carried(
    rsps: responses.RequestsMock,
) -> None:
    sample = load_sample("core_course_get_courses__moodlewssettingraw", token=SENTINEL_TOKEN)
    register_sample(rsps, sample)

    make_client().call("core_course_get_courses", {"options": {"ids": [2]}})

    fields = sent_fields(rsps.calls[0])
    assert set(sample["request"]["params"].items()) <= set(fields)
    assert dict(fields).items() >= SETTINGS.items()
    assert len(fields) == TRANSPORT_FIELD_COUNT + 1


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("enrol_manual_unenrol_users__normal", None),  # literal null
        ("core_reportbuilder_set_filters__reset_empty", True),  # literal true
    ],
)
def test_bare_json_answers_are_returned_as_they_are(
    rsps: responses.RequestsMock, name: str, expected: Any
) -> None:
    sample = load_sample(name)
    register_sample(rsps, sample)
    assert make_client().call(sample["function"], {"x": 1}) is expected


def test_a_json_string_answer_is_returned_as_a_string(rsps: responses.RequestsMock) -> None:
    register_sample(rsps, "core_grades_get_grade_tree__normal")
    tree = make_client().call("core_grades_get_grade_tree", {"courseid": 2})
    assert isinstance(tree, str)
    assert json.loads(tree)["iscategory"] is True


@pytest.mark.parametrize(
    ("overrides", "verify"),
    [
        ({}, True),
        ({"ca_bundle": "/etc/ssl/moodle-ca.pem"}, "/etc/ssl/moodle-ca.pem"),
        ({"verify_tls": False}, False),
    ],
)
def test_every_request_has_a_timeout_and_verifies_tls(
    rsps: responses.RequestsMock, overrides: dict[str, Any], verify: Any
) -> None:
    rsps.add(responses.POST, ENDPOINT, json={})
    make_client(timeout_s=12.5, **overrides).call("core_webservice_get_site_info")
    kwargs = rsps.calls[0].request.req_kwargs
    assert kwargs["timeout"] == 12.5
    if verify is True:  # requests swaps True for REQUESTS_CA_BUNDLE when that is set
        assert kwargs["verify"] in (True, os.environ.get("REQUESTS_CA_BUNDLE"))
    else:
        assert kwargs["verify"] == verify


def test_redirects_are_not_followed(rsps: responses.RequestsMock) -> None:
    rsps.add(
        responses.POST,
        ENDPOINT,
        status=301,
        headers={"Location": "https://www.moodle.example.test/webservice/rest/server.php"},
    )
    rsps.add(responses.POST, "https://www.moodle.example.test/webservice/rest/server.php", json={})
    with pytest.raises(BadUrl, match="redirect"):
        make_client().call("core_webservice_get_site_info")
    assert len(rsps.calls) == 1


def test_trailing_slash_in_the_url_is_tolerated(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, ENDPOINT, json=[])
    assert make_client(url=BASE_URL + "/").call("core_course_get_courses") == []


# --------------------------------------------------------------------------- refusals


def test_request_over_max_form_fields_is_refused_before_sending(
    rsps: responses.RequestsMock,
) -> None:
    client = make_client(max_form_fields=TRANSPORT_FIELD_COUNT + 3)
    rsps.add(responses.POST, ENDPOINT, json=[])

    with pytest.raises(InvalidParameter, match="max_form_fields") as caught:
        client.call("core_user_get_users_by_field", {"field": "id", "values": [1, 2, 3]})
    assert isinstance(caught.value, TerminalError)
    assert "chunk_ids" in (caught.value.fix or "")
    assert client.request_count == 0
    assert len(rsps.calls) == 0

    client.call("core_user_get_users_by_field", {"field": "id", "values": [1, 2]})  # exactly fits
    assert len(rsps.calls) == 1


def test_chunked_ids_always_fit_in_a_request(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, ENDPOINT, json=[])
    client = make_client(max_form_fields=20)
    other = {"field": "id"}

    chunks = list(client.chunk_ids(range(100), other_params=other))
    for chunk in chunks:
        client.call("core_user_get_users_by_field", {**other, "values": chunk})

    assert [len(c) for c in chunks[:-1]] == [20 - TRANSPORT_FIELD_COUNT - 1] * (len(chunks) - 1)
    assert all(len(sent_fields(call)) <= 20 for call in rsps.calls)
    assert sum(len(c) for c in chunks) == 100


@pytest.mark.parametrize(
    "name", ["wstoken", "wsfunction", "moodlewsrestformat", "moodlewssettingraw"]
)
def test_parameters_cannot_override_transport_fields(
    rsps: responses.RequestsMock, name: str
) -> None:
    with pytest.raises(InvalidParameter):
        make_client().call("core_webservice_get_site_info", {name: "x"})
    assert len(rsps.calls) == 0


def test_unencodable_parameters_are_refused(rsps: responses.RequestsMock) -> None:
    with pytest.raises(InvalidParameter):
        make_client().call("core_user_get_users_by_field", {"values": {1, 2}})
    assert len(rsps.calls) == 0


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


# --------------------------------------------------------------------------- secrecy


def _echo_json_error(rsps: responses.RequestsMock) -> None:
    rsps.add(
        responses.POST,
        ENDPOINT,
        json={
            "exception": "core\\exception\\invalid_parameter_exception",
            "errorcode": "invalidparameter",
            "message": f"Invalid parameter value detected: {SENTINEL_TOKEN}",
            "debuginfo": f"wstoken => {quote(SENTINEL_TOKEN)} / {SENTINEL_TOKEN}",
        },
    )


def _echo_xml_json_body(rsps: responses.RequestsMock) -> None:
    # The recorded JSON-body exchange, with the token put back and echoed by the answer.
    sample = load_sample("core_webservice_get_site_info__error_json_body", token=SENTINEL_TOKEN)
    text = sample["response"]["text"].replace(
        "token not found", f"token {SENTINEL_TOKEN} not found"
    )
    sample["response"]["text"] = text.replace("<ERRORCODE>", f"<ERRORCODE>{SENTINEL_TOKEN}")
    assert SENTINEL_TOKEN in sample["request"]["body"]
    register_sample(rsps, sample)


def _echo_html_500(rsps: responses.RequestsMock) -> None:
    rsps.add(
        responses.POST,
        ENDPOINT,
        status=500,
        body=f"<html><title>Error for wstoken={SENTINEL_TOKEN}</title></html>",
        content_type="text/html",
    )


def _echo_plain_503(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, ENDPOINT, status=503, body=f"proxy says {SENTINEL_TOKEN}")


def _echo_non_json_200(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, ENDPOINT, body=f"Warning: wstoken={SENTINEL_TOKEN} {{")


def _echo_connection_error(rsps: responses.RequestsMock) -> None:
    rsps.add(
        responses.POST,
        ENDPOINT,
        body=requests.exceptions.ConnectionError(f"reset while sending {SENTINEL_TOKEN}"),
    )


def _echo_redirect(rsps: responses.RequestsMock) -> None:
    rsps.add(
        responses.POST,
        ENDPOINT,
        status=302,
        headers={"Location": f"{BASE_URL}/login/?wstoken={SENTINEL_TOKEN}"},
    )


def _success(rsps: responses.RequestsMock) -> None:
    register_sample(rsps, "core_webservice_get_site_info__normal")


@pytest.mark.parametrize(
    "scenario",
    [
        _echo_json_error,
        _echo_xml_json_body,
        _echo_html_500,
        _echo_plain_503,
        _echo_non_json_200,
        _echo_connection_error,
        _echo_redirect,
        _success,
    ],
)
def test_token_appears_nowhere_but_in_the_request_body(
    rsps: responses.RequestsMock, caplog: pytest.LogCaptureFixture, scenario: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    scenario(rsps)
    client, _ = client_with_sleep(max_retries=1)

    texts = [repr(client)]
    try:
        client.call("core_webservice_get_site_info", {"criteria": [{"key": "id", "value": 5}]})
    except MoodleError as exc:
        texts += [str(exc), repr(exc), repr(exc.args), exc.fix or "", exc.message]
        texts += [str(exc.debuginfo), str(exc.errorcode)]
    texts += [caplog.text, *(r.getMessage() for r in caplog.records)]

    assert any(r.name == "connectors.moodle.client" for r in caplog.records)
    assert all(SENTINEL_TOKEN in call.request.body for call in rsps.calls)
    for text in texts:
        assert SENTINEL_TOKEN not in text
        assert quote(SENTINEL_TOKEN, safe="") not in text


def test_redact_masks_every_encoding_of_the_token() -> None:
    token = "abc+/=def"
    client = MoodleClient(make_config(token=SecretStr(token)))
    for form in (token, quote(token, safe=""), quote_plus(token)):
        redacted = client.redact(f"x {form} y")
        assert form not in redacted
        assert redacted == "x ********** y"
    assert client.redact("nothing secret") == "nothing secret"


def test_repr_of_the_client_shows_the_url_only() -> None:
    client = make_client()
    assert repr(client) == f"MoodleClient(url={BASE_URL!r})"
    assert SENTINEL_TOKEN not in repr(vars(client))


# --------------------------------------------------------------------------- call_many


def _echo_n(request: Any) -> tuple[int, dict[str, str], str]:
    n = dict(parse_qsl(request.body))["n"]
    return 200, {"Content-Type": "application/json"}, json.dumps({"n": int(n)})


def test_call_many_yields_answers_in_call_order(rsps: responses.RequestsMock) -> None:
    last_answered = threading.Event()

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        n = dict(parse_qsl(request.body))["n"]
        if n == "0":  # the first call finishes last
            assert last_answered.wait(5)
        if n == "3":
            last_answered.set()
        return _echo_n(request)

    rsps.add_callback(responses.POST, ENDPOINT, callback=answer)
    client = make_client(max_parallel_requests=4)

    results = list(client.call_many(("local_echo", {"n": n}) for n in range(4)))
    assert results == [{"n": 0}, {"n": 1}, {"n": 2}, {"n": 3}]


def test_call_many_runs_at_most_max_parallel_requests_at_once(
    rsps: responses.RequestsMock,
) -> None:
    width = 3
    lock = threading.Lock()
    in_flight = 0
    peak = 0
    all_in = threading.Barrier(width)  # passes only when `width` calls run together

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        try:
            all_in.wait(5)
            return _echo_n(request)
        finally:
            with lock:
                in_flight -= 1

    rsps.add_callback(responses.POST, ENDPOINT, callback=answer)
    client = make_client(max_parallel_requests=width)

    results = list(client.call_many(("local_echo", {"n": n}) for n in range(4 * width)))

    assert results == [{"n": n} for n in range(4 * width)]
    assert peak == width
    assert client.request_count == 4 * width


def test_call_many_reads_its_calls_lazily(rsps: responses.RequestsMock) -> None:
    rsps.add_callback(responses.POST, ENDPOINT, callback=_echo_n)
    pulled = 0

    def calls() -> Iterator[tuple[str, dict[str, int]]]:
        nonlocal pulled
        for n in range(1000):
            pulled += 1
            yield "local_echo", {"n": n}

    answers = make_client(max_parallel_requests=2).call_many(calls())
    assert pulled == 0  # nothing starts before the first answer is asked for
    assert next(answers) == {"n": 0}
    assert pulled <= 2 * 2 + 1
    answers.close()
    assert pulled <= 2 * 2 + 1


def test_call_many_raises_a_failure_at_its_place(rsps: responses.RequestsMock) -> None:
    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        if dict(parse_qsl(request.body))["n"] == "1":
            return 200, {}, json.dumps(site_info_error("invalidtoken"))
        return _echo_n(request)

    rsps.add_callback(responses.POST, ENDPOINT, callback=answer)
    answers = make_client().call_many(("local_echo", {"n": n}) for n in range(3))

    assert next(answers) == {"n": 0}
    with pytest.raises(InvalidToken):
        next(answers)


def test_call_many_of_nothing_yields_nothing() -> None:
    assert list(make_client().call_many([])) == []


def test_call_many_stops_when_the_stop_event_is_set(rsps: responses.RequestsMock) -> None:
    stop = threading.Event()
    client = MoodleClient(make_config(max_parallel_requests=1), stop_event=stop)
    rsps.add_callback(responses.POST, ENDPOINT, callback=_echo_n)

    answers = client.call_many(("local_echo", {"n": n}) for n in range(10))
    assert next(answers) == {"n": 0}
    stop.set()
    with pytest.raises(Stopped):
        list(answers)
    assert client.request_count < 10


# --------------------------------------------------------------------------- lifecycle


class _TrackingSession(requests.Session):
    closed = False

    def close(self) -> None:
        self.closed = True
        super().close()


def test_close_leaves_a_callers_session_open() -> None:
    session = _TrackingSession()
    MoodleClient(make_config(), session=session).close()
    assert not session.closed


def test_client_works_as_a_context_manager(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, ENDPOINT, json={})
    with MoodleClient(make_config()) as client:
        assert client.call("core_webservice_get_site_info") == {}


def test_a_sitemaintenance_answer_keeps_its_class_after_retries(
    rsps: responses.RequestsMock,
) -> None:
    client, _ = client_with_sleep(max_retries=1)
    rsps.add(responses.POST, ENDPOINT, **maintenance_503("5"))
    with pytest.raises(SiteMaintenance) as caught:
        client.call("core_webservice_get_site_info")
    assert caught.value.retry_after == 5
