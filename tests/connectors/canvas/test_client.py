"""The Canvas client against recorded-shape answers (``responses``): paging only by the
``Link`` header, throttling by ``X-Rate-Limit-Remaining``, 403 rate limits and 5xx retried,
401/403/404 mapped to errors with a fix each, and the token in no message or repr."""

from __future__ import annotations

import pytest
import responses
from pydantic import SecretStr

from connectors.base import AccessRefused, TerminalError, TransientError, Unreachable
from connectors.canvas import endpoints as ep
from connectors.canvas.client import CanvasClient
from connectors.canvas.config import CanvasConfig
from connectors.canvas.errors import NotFound, PermissionRefused, TokenRefused

URL = "https://canvas.test"
TOKEN = "7~SeCrEt-canvas-token-0123456789"
USERS = f"{URL}/api/v1/accounts/self/users"


def client(waits: list[float] | None = None, **settings: object) -> CanvasClient:
    config = CanvasConfig(url=URL, token=SecretStr(TOKEN), token_file="/etc/bridge/canvas.token",
                          max_retries=3, **settings)
    sleep = (waits.append if waits is not None else (lambda _s: None))
    return CanvasClient(config, sleep=sleep)


@responses.activate
def test_listings_follow_the_link_header_until_it_has_no_next() -> None:
    second = f"{URL}/api/v1/accounts/self/users?page=bookmark:WzJd&per_page=100"
    responses.get(USERS, json=[{"id": 1}], headers={
        "Link": f'<{second}>; rel="next", <{USERS}?page=1&per_page=100>; rel="current"'})
    responses.get(second, json=[{"id": 2}], headers={"Link": f'<{second}>; rel="current"'})
    pages = list(client().pages(ep.ACCOUNT_USERS, {"include[]": ["email"]}, account_id="self"))
    assert pages == [[{"id": 1}], [{"id": 2}]]
    first, then = (call.request for call in responses.calls)
    assert "per_page=100" in first.url and "include%5B%5D=email" in first.url
    assert then.url == second  # the opaque next link as Canvas gave it, no guessed page
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in first.url


@responses.activate
def test_a_low_bucket_slows_the_next_request_down() -> None:
    responses.get(f"{URL}/api/v1/users/self", json={"id": 1},
                  headers={"X-Rate-Limit-Remaining": "50.0"})
    waits: list[float] = []
    canvas = client(waits, rate_limit_floor=200.0, throttle_pause_s=2.0)
    canvas.get(ep.SELF)
    assert waits == []  # nothing known before the first answer
    canvas.get(ep.SELF)
    assert waits == [pytest.approx(1.5)]  # (200 - 50) / 200 of the longest pause


@responses.activate
def test_a_full_bucket_does_not_slow_down() -> None:
    responses.get(f"{URL}/api/v1/users/self", json={"id": 1},
                  headers={"X-Rate-Limit-Remaining": "650.0"})
    waits: list[float] = []
    canvas = client(waits)
    canvas.get(ep.SELF)
    canvas.get(ep.SELF)
    assert waits == []


@responses.activate
def test_rate_limit_exceeded_is_retried_after_a_backoff() -> None:
    responses.get(f"{URL}/api/v1/users/self", body="403 Forbidden (Rate Limit Exceeded)",
                  status=403, headers={"X-Rate-Limit-Remaining": "0.0"})
    responses.get(f"{URL}/api/v1/users/self", json={"id": 1})
    waits: list[float] = []
    assert client(waits, rate_limit_floor=0.0).get(ep.SELF) == {"id": 1}
    assert len(waits) == 1 and len(responses.calls) == 2


@responses.activate
def test_server_errors_are_transient_and_retried_until_the_budget_is_spent() -> None:
    responses.get(f"{URL}/api/v1/users/self", json={"errors": []}, status=503)
    waits: list[float] = []
    with pytest.raises(TransientError):
        client(waits).get(ep.SELF)
    assert len(responses.calls) == 4 and len(waits) == 3


@responses.activate
def test_an_invalid_token_is_refused_with_the_fix_naming_the_token_file() -> None:
    responses.get(f"{URL}/api/v1/users/self", status=401,
                  json={"errors": [{"message": "Invalid access token."}]},
                  headers={"WWW-Authenticate": 'Bearer realm="canvas-lms"'})
    with pytest.raises(TokenRefused) as caught:
        client().get(ep.SELF)
    error = caught.value
    assert isinstance(error, AccessRefused) and error.cause == "token"
    assert "new access token" in (error.fix or "") and "/etc/bridge/canvas.token" in error.fix
    assert len(responses.calls) == 1  # a dead token is not tried again


@pytest.mark.parametrize("status", [401, 403])
@responses.activate
def test_a_missing_permission_names_it_and_where_to_grant_it(status: int) -> None:
    responses.get(f"{URL}/api/v1/users/7/page_views", status=status, json={
        "status": "unauthorized",
        "errors": [{"message": "user not authorized to perform that action"}]})
    with pytest.raises(PermissionRefused) as caught:
        list(client().pages(ep.PAGE_VIEWS, user_id=7))
    error = caught.value
    assert error.cause == "permission" and error.permission == "view_statistics"
    assert "Admin > self > Permissions > Account Roles" in (error.fix or "")
    assert "Statistics - view" in (error.fix or "")


@responses.activate
def test_a_missing_object_is_not_found_with_a_fix() -> None:
    responses.get(f"{URL}/api/v1/users/99", status=404,
                  json={"errors": [{"message": "The specified resource does not exist."}]})
    with pytest.raises(NotFound) as caught:
        client().get(ep.USER, user_id=99)
    assert "account_id" in (caught.value.fix or "")


@responses.activate
def test_the_token_is_in_no_error_log_or_repr(caplog: pytest.LogCaptureFixture) -> None:
    responses.get(f"{URL}/api/v1/users/self", status=500, body=f"echo {TOKEN}")
    canvas = client()
    with pytest.raises(TransientError) as caught:
        canvas.get(ep.SELF)
    assert TOKEN not in str(caught.value) and TOKEN not in caplog.text
    assert TOKEN not in repr(canvas) and TOKEN not in repr(canvas._config)


def test_an_unreachable_instance_is_said_so() -> None:
    config = CanvasConfig(url="http://127.0.0.1:9", token=SecretStr(TOKEN), max_retries=0)
    with pytest.raises(Unreachable) as caught:
        CanvasClient(config, sleep=lambda _s: None).get(ep.SELF)
    assert TOKEN not in str(caught.value)


@responses.activate
def test_a_next_link_to_another_host_is_not_followed_with_the_token() -> None:
    responses.get(USERS, json=[{"id": 1}],
                  headers={"Link": '<https://elsewhere.test/api/v1/users?page=2>; rel="next"'})
    with pytest.raises(TerminalError) as caught:
        list(client().pages(ep.ACCOUNT_USERS, account_id="self"))
    assert "elsewhere.test" in str(caught.value) and len(responses.calls) == 1


@responses.activate
def test_a_refused_masquerade_names_the_act_as_permission() -> None:
    responses.get(f"{URL}/api/v1/conversations", status=401,
                  json={"errors": "Invalid as_user_id"})
    with pytest.raises(PermissionRefused) as caught:
        list(client().pages(ep.CONVERSATIONS, {"as_user_id": 5}))
    assert caught.value.permission == "become_user" and "Users - act as" in (
        caught.value.fix or "")


@responses.activate
def test_a_redirect_is_not_followed_and_says_which_url_to_set() -> None:
    responses.get(f"{URL}/api/v1/users/self", status=302,
                  headers={"Location": "https://school.instructure.com/api/v1/users/self"})
    with pytest.raises(TerminalError) as caught:
        client().get(ep.SELF)
    assert "school.instructure.com" in str(caught.value) and len(responses.calls) == 1


@responses.activate
def test_an_answer_that_is_not_json_is_an_lms_fault_not_a_crash() -> None:
    responses.get(f"{URL}/api/v1/users/self", body="<html>maintenance</html>",
                  content_type="text/html")
    with pytest.raises(TransientError) as caught:
        client().get(ep.SELF)
    assert "not JSON" in str(caught.value)
