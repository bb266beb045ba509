"""Failures below Moodle's JSON (HTTP status, HTML and XML pages, network and TLS) become
the right typed error."""

from __future__ import annotations

import pytest
import requests
import responses

from connectors.base import TerminalError, TransientError
from connectors.moodle.errors import (
    AnswerTimedOut,
    BadUrl,
    MoodleError,
    MoodleUnreachable,
    NetworkError,
    ServerError,
    SiteMaintenance,
    TlsError,
    UnexpectedResponse,
)
from tests.connectors.moodle.samples import (
    ENDPOINT,
    call_and_catch,
    make_client,
    register_sample,
)

# --------------------------------------------------------------------------- transport


def test_503_with_retry_after_is_maintenance_with_the_wait(
    strict_rsps: responses.RequestsMock,
) -> None:
    strict_rsps.add(
        responses.POST,
        ENDPOINT,
        status=503,
        body="<html><title>Site maintenance</title></html>",
        headers={"Retry-After": "300"},
        content_type="text/html",
    )
    error = call_and_catch()
    assert type(error) is SiteMaintenance
    assert isinstance(error, TransientError)
    assert error.retry_after == 300


@pytest.mark.parametrize(
    ("status", "body", "content_type", "headers", "expected"),
    [
        (
            500,
            "<!DOCTYPE html><html><head><title>Fatal error</title>",
            "text/html",
            {},
            ServerError,
        ),
        (502, "Bad gateway", "text/plain", {}, ServerError),
        (503, "", "text/html", {}, ServerError),
        (504, "", "text/html", {}, ServerError),
        (429, "", "text/plain", {"Retry-After": "7"}, ServerError),
        (200, "", "application/json", {}, ServerError),
        (200, "<html><body>Login</body></html>", "text/html", {}, ServerError),
        (200, '{"truncated": ', "application/json", {}, ServerError),
        (302, "", "text/html", {"Location": "https://moodle.example.test/login/"}, BadUrl),
        (404, "Not found", "text/html", {}, BadUrl),
        (401, "", "text/plain", {}, UnexpectedResponse),
    ],
)
def test_http_failures_are_classified(
    strict_rsps: responses.RequestsMock,
    status: int,
    body: str,
    content_type: str,
    headers: dict[str, str],
    expected: type[MoodleError],
) -> None:
    strict_rsps.add(
        responses.POST,
        ENDPOINT,
        status=status,
        body=body,
        content_type=content_type,
        headers=headers,
    )
    error = call_and_catch()
    assert type(error) is expected
    if "Retry-After" in headers:
        assert isinstance(error, TransientError)
        assert error.retry_after == float(headers["Retry-After"])


def test_html_page_is_described_by_kind_and_size_not_by_its_text(
    strict_rsps: responses.RequestsMock,
) -> None:
    # A page title can name a learner ("Eero Mäkinen: Public profile"): never quoted.
    body = "<!DOCTYPE html><html><head><title>Eero Mäkinen</title></head><body>" + "x" * 5000
    strict_rsps.add(responses.POST, ENDPOINT, status=500, body=body, content_type="text/html")
    error = call_and_catch()
    assert str(error) == (
        f"core_webservice_get_site_info: HTTP 500 (HTML page, {len(body.encode()):,} bytes)"
    )


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (requests.exceptions.ReadTimeout("read timed out"), AnswerTimedOut),
        (requests.exceptions.ConnectTimeout("connect timed out"), MoodleUnreachable),
        (requests.exceptions.ConnectionError("Connection reset by peer"), NetworkError),
        (requests.exceptions.ChunkedEncodingError("broken"), NetworkError),
        (requests.exceptions.SSLError("certificate verify failed"), TlsError),
    ],
)
def test_network_failures_are_classified(
    strict_rsps: responses.RequestsMock, raised: Exception, expected: type[MoodleError]
) -> None:
    strict_rsps.add(responses.POST, ENDPOINT, body=raised)
    error = call_and_catch()
    assert type(error) is expected
    assert error.__cause__ is raised  # the original cause is kept


def test_database_connection_failure_is_transient(strict_rsps: responses.RequestsMock) -> None:
    strict_rsps.add(
        responses.POST,
        ENDPOINT,
        json={"exception": "dml_connection_exception", "errorcode": "dbconnectionfailed"},
    )
    assert isinstance(call_and_catch(), TransientError)


def test_xml_error_keeps_moodles_error_code_for_diagnosis(
    strict_rsps: responses.RequestsMock,
) -> None:
    register_sample(strict_rsps, "core_user_get_users__error_format_xml")
    error = call_and_catch("core_user_get_users")
    assert isinstance(error, TerminalError)
    assert error.errorcode == "invalidparameter"
    assert error.exception_class == "invalid_parameter_exception"
    assert "XML" in str(error)


# --------------------------------------------------------------------------- no body excerpts

_LEARNER = '[{"courseid": 4, "userid": 7, "userfullname": "Eero Mäkinen", "email": "eero@'


@pytest.mark.parametrize(
    ("status", "body", "content_type", "expected"),
    [
        (200, _LEARNER, "application/json", "HTTP 200, invalid JSON (Unterminated string"),
        (500, _LEARNER, "text/plain", "HTTP 500 (text/plain answer, "),
        (502, f"<html><title>{_LEARNER}</title></html>", "text/html", "HTTP 502 (HTML page, "),
        (200, f"<?xml version='1.0'?><RESPONSE>{_LEARNER}</RESPONSE>", "application/xml",
         "Moodle answered XML although JSON was requested"),
    ],
)
def test_an_answer_body_never_reaches_the_error_or_the_log(
    strict_rsps: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
    status: int,
    body: str,
    content_type: str,
    expected: str,
) -> None:
    caplog.set_level("DEBUG")
    strict_rsps.add(
        responses.POST, ENDPOINT, status=status, body=body, content_type=content_type
    )
    error = call_and_catch("gradereport_user_get_grade_items")
    assert expected in str(error)
    for text in (str(error), repr(error), caplog.text):
        for fragment in ("Eero", "Mäkinen", "M\\u00e4kinen", "eero@", "userfullname"):
            assert fragment not in text


def test_a_truncated_answer_is_told_by_where_it_broke_and_its_size(
    strict_rsps: responses.RequestsMock,
) -> None:
    strict_rsps.add(responses.POST, ENDPOINT, body='{"usergrades": [{"userid": 7, ')
    error = call_and_catch("gradereport_user_get_grade_items")
    assert type(error) is ServerError
    assert str(error) == (
        "gradereport_user_get_grade_items: HTTP 200, invalid JSON "
        "(Expecting property name enclosed in double quotes) at char 30 of a 30-byte answer"
    )


def test_a_read_moodle_did_not_answer_in_time_is_not_sent_again(
    strict_rsps: responses.RequestsMock,
) -> None:
    """Moodle goes on computing an abandoned request: a retry doubles the load. One request
    goes out (the strict mock refuses a second), and the error names the lighter read."""
    timed_out = requests.exceptions.ReadTimeout("read timed out")
    strict_rsps.add(responses.POST, ENDPOINT, body=timed_out)
    client = make_client(max_retries=5)
    with pytest.raises(AnswerTimedOut) as caught:
        client.call("gradereport_user_get_grade_items", {"courseid": 6})
    assert len(strict_rsps.calls) == 1
    assert isinstance(caught.value, TransientError)  # the next run (or push) asks again
    assert "not sent again" in str(caught.value)
    assert "local_registrybridge_get_grades" in str(caught.value)


def test_a_reset_connection_is_still_tried_again(strict_rsps: responses.RequestsMock) -> None:
    strict_rsps.add(responses.POST, ENDPOINT, body=requests.exceptions.ConnectionError("reset"))
    register_sample(strict_rsps, "core_webservice_get_site_info__normal")
    answer = make_client(max_retries=2).call("core_webservice_get_site_info")
    assert len(strict_rsps.calls) == 2 and answer["siteurl"]
