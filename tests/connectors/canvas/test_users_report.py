"""The users stream reads login states in bulk, from Canvas's provisioning report: the
requests of a users sync do not grow with the number of users (CONTRACTS 5), the report is
polled within a time limit and a stop, and its file is fetched only where the token may go."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
import responses
from pydantic import SecretStr

from connectors.base import TerminalError
from connectors.canvas import endpoints as ep
from connectors.canvas import reports
from connectors.canvas.client import CanvasClient, Stopped
from connectors.canvas.config import CanvasConfig
from connectors.canvas.connector import CanvasConnector
from connectors.canvas.simulator import SimulatedCanvas
from connectors.canvas.simulator.server import running_server

LEARNER = 10_001


def _served(sim: SimulatedCanvas) -> Iterator[CanvasConnector]:
    with running_server(sim) as url:
        connector = CanvasConnector.from_options({"url": url, "erasure": "delete_user"},
                                                 SecretStr(sim.token))
        yield connector
        connector.close()


@pytest.fixture
def sim() -> SimulatedCanvas:
    return SimulatedCanvas("tiny")


@pytest.fixture
def canvas(sim: SimulatedCanvas) -> Iterator[CanvasConnector]:
    yield from _served(sim)


def _users(canvas: CanvasConnector) -> dict:
    return {r.lms_user_id: r for batch in canvas.pull("users", None) for r in batch.records}


def _requests_of_a_users_sync(extra_users: int) -> list[str]:
    """The requests of a users sync, less the account listing's pages (those grow with
    pages, which CONTRACTS 5 allows), on an account with ``extra_users`` more users."""
    sim = SimulatedCanvas("tiny")
    for n in range(extra_users):
        user_id = 50_000 + n
        sim.account.add_user(user_id, "Extra", f"User{n}", f"extra.{n}", f"extra.{n}@x.fi",
                             "2026-01-02T03:04:05Z")
    sim.account.changed()
    for canvas in _served(sim):
        assert len(_users(canvas)) >= extra_users
    paths = [urlsplit(target).path for _, target in sim.requests]
    return [p for p in paths if p != "/api/v1/accounts/self/users"]


def test_a_users_sync_asks_the_same_number_of_requests_for_any_number_of_users() -> None:
    few, many = _requests_of_a_users_sync(0), _requests_of_a_users_sync(250)
    assert len(few) == len(many)
    assert not [p for p in many if p.endswith("/logins")]  # no login read per user
    assert any(p.endswith("/reports/provisioning_csv") for p in many)


def test_a_suspended_login_in_the_report_marks_its_user_suspended(
    canvas: CanvasConnector, sim: SimulatedCanvas
) -> None:
    for login in sim.account.logins.values():
        if login["user_id"] == LEARNER:
            login["workflow_state"] = "suspended"
    users = _users(canvas)
    assert users[LEARNER].suspended is True
    assert not [u for uid, u in users.items() if uid != LEARNER and u.suspended]


def test_without_reports_manage_check_and_the_users_stream_name_the_permission(
    canvas: CanvasConnector, sim: SimulatedCanvas
) -> None:
    sim.granted.discard("read_reports")
    report = canvas.check()
    failed = [c for c in report.checks if not c.ok]
    assert [c.name for c in failed] == ["permission read_reports"]
    assert "stream users" in failed[0].detail and "Reports - manage" in (failed[0].fix or "")
    with pytest.raises(Exception, match="read_reports") as raised:
        _users(canvas)
    assert sim.token not in str(raised.value)


def _config(**settings: object) -> CanvasConfig:
    return CanvasConfig(url="https://canvas.test", token=SecretStr("7~secret-token-value"),
                        account_id="1", **settings)


def _served_config(sim: SimulatedCanvas, url: str, **settings: object) -> CanvasConfig:
    return _config(**settings).model_copy(update={"url": url, "token": SecretStr(sim.token)})


def test_a_report_that_never_completes_fails_within_the_time_limit() -> None:
    sim = SimulatedCanvas("tiny")
    sim.account.report_polls = 1_000
    waits: list[float] = []
    with running_server(sim) as url:
        config = _served_config(sim, url, report_timeout_s=10)
        client = CanvasClient(config, sleep=waits.append)
        with pytest.raises(TerminalError, match=r"not complete after 10s") as raised:
            reports.login_states(client, config)
    assert "report_timeout" in (raised.value.fix or "")
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0]  # doubling, and no wait past the limit


def test_a_stop_asked_while_the_report_runs_ends_the_wait() -> None:
    sim = SimulatedCanvas("tiny")
    sim.account.report_polls = 1_000
    stop = threading.Event()
    session = requests.Session()
    session.hooks["response"].append(lambda *_a, **_k: stop.set())  # stop after the start
    with running_server(sim) as url:
        config = _served_config(sim, url)
        with pytest.raises(Stopped):
            reports.login_states(CanvasClient(config, session=session, stop_event=stop),
                                 config)
    assert [m for m, _ in sim.requests] == ["POST"]


FILE = "https://canvas.test/files/7/download?download_frd=1&verifier=abc"
CSV = b"canvas_user_id,login_id,status\n5,a@x.fi,suspended\n5,b@x.fi,active\n6,c@x.fi,active\n"


@responses.activate
def test_the_file_is_followed_to_an_allowed_store_without_the_token() -> None:
    store = "https://files.eu.example/blob/7?sig=signed"
    responses.get(FILE, status=302, headers={"Location": store})
    responses.get(store, body=CSV, content_type="text/csv")
    client = CanvasClient(_config(report_file_hosts=("files.eu.example",)))
    logins = reports.parse_users_csv(client.download(ep.REPORT_FILE, FILE))
    assert logins[5] == [{"unique_id": "a@x.fi", "workflow_state": "suspended"},
                         {"unique_id": "b@x.fi", "workflow_state": "active"}]
    first, then = (call.request for call in responses.calls)
    assert first.headers["Authorization"] == "Bearer 7~secret-token-value"
    assert "Authorization" not in then.headers


@responses.activate
def test_the_file_is_not_followed_to_a_host_not_allowed() -> None:
    responses.get(FILE, status=302, headers={"Location": "https://elsewhere.example/f/7"})
    with pytest.raises(TerminalError, match=r"elsewhere\.example") as raised:
        CanvasClient(_config()).download(ep.REPORT_FILE, FILE)
    assert "report_file_hosts" in (raised.value.fix or "")
    assert len(responses.calls) == 1


def test_a_file_address_on_another_host_is_refused_before_any_request() -> None:
    with pytest.raises(TerminalError, match="another host"):
        CanvasClient(_config()).download(ep.REPORT_FILE, "https://evil.example/files/7")


def test_an_incremental_log_read_asks_only_users_with_a_request_since_the_bookmark(
    canvas: CanvasConnector, sim: SimulatedCanvas
) -> None:
    for quiet in (10_000, 10_002):  # their clicks were days before everyone else's
        for view in sim.account.page_views[quiet]:
            view["created_at"] = "2026-08-25T08:00:00Z"
    batches = list(canvas.pull("logs", None))
    assert not [t for _, t in sim.requests if "/reports/" in t]  # a first read asks everyone
    bookmark = batches[-1].checkpoint
    assert bookmark
    since = reports.parse.iso(bookmark["since"] - canvas.config.page_view_overlap_s)

    def last_request(user_id: int) -> str:  # the simulator's: the newest click, or login
        views = sim.account.page_views.get(user_id)
        return views[0]["created_at"] if views else sim.account.users[user_id]["last_login"]

    sim.requests.clear()
    list(canvas.pull("logs", dict(bookmark)))
    asked = {int(urlsplit(t).path.split("/")[4]) for _, t in sim.requests if "/page_views" in t}
    assert {10_001, 10_003, 10_004, 10_005} <= asked  # clicked within the overlap
    assert not asked & {10_000, 10_002}  # no request since: not asked
    assert all(last_request(user) >= since for user in asked)
    assert any("/reports/last_user_access_csv" in t for _, t in sim.requests)
