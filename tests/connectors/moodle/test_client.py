"""The REST client: what goes on the wire, secrecy of the token, and the session's lifecycle."""

from __future__ import annotations

import json
import logging
import os
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import requests
import responses
from pydantic import SecretStr

from connectors.moodle.client import MoodleClient
from connectors.moodle.errors import (
    BadUrl,
    MoodleError,
    SiteMaintenance,
)
from connectors.moodle.form import TRANSPORT_FIELD_COUNT
from tests.connectors.moodle.client_fakes import (
    SETTINGS,
    client_with_sleep,
    maintenance_503,
    sent_fields,
)
from tests.connectors.moodle.samples import (
    BASE_URL,
    ENDPOINT,
    SENTINEL_TOKEN,
    load_sample,
    make_client,
    make_config,
    register_sample,
)

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
        texts += [str(exc.errorcode)]
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
