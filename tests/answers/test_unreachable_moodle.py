"""An LMS that cannot be reached: a person at the command line gets one line per connector
naming the URL, the cause and what to check, in one more try rather than minutes of
backoff; the daemon keeps its backoff. Tested against a port where nothing listens."""

from __future__ import annotations

import errno
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import responses

from connectors.moodle.client import MoodleClient
from connectors.moodle.errors import MoodleUnreachable
from connectors.moodle.retry import QUICK_UNREACHABLE_PAUSE_S
from tests.cli import Outcome, run
from tests.configs import SENTINEL_TOKEN, write_config
from tests.connectors.moodle.samples import ENDPOINT, make_config

LIBRARY_TEXT = ("HTTPConnectionPool", "NewConnectionError", "Max retries", "urllib3")


@pytest.fixture
def dead_url() -> Iterator[str]:
    """A local port that is bound but not listening: every connect is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The client's waits between attempts, recorded instead of waited."""
    recorded: list[float] = []
    monkeypatch.setattr(MoodleClient, "sleep", lambda self, seconds: recorded.append(seconds))
    return recorded


def error_lines(outcome: Outcome) -> list[str]:
    return [line for line in outcome.stderr.splitlines() if line.strip()]


def assert_plain(outcome: Outcome) -> None:
    text = outcome.stdout + outcome.stderr
    assert not any(word in text for word in LIBRARY_TEXT), text
    assert "will be retried" not in text and "transient" not in text


def test_sync_gives_one_line_per_connector_after_one_more_try(
    tmp_path: Path, db_url: str, dead_url: str, waits: list[float]
) -> None:
    second = f'[connectors.backup]\nurl = "{dead_url}/backup"\ntoken = "{SENTINEL_TOKEN}"\n'
    second += 'hosting_country = "FI"\n'
    config = write_config(tmp_path, db_url, moodle_url=dead_url, extra=second)

    outcome = run("sync", config=config)

    assert outcome.exit_code == 1
    assert_plain(outcome)
    lines = error_lines(outcome)
    assert len(lines) == 2, lines
    for name, url in (("moodle", dead_url), ("backup", dead_url + "/backup")):
        [line] = [x for x in lines if x.startswith(f"error: {name}: ")]
        assert f"cannot reach {url}: connection refused" in line
        for what in ("Moodle is running", "DNS", "firewall", "proxy"):
            assert what in line
    assert "stream" not in outcome.stdout  # no table of streams that never ran
    assert waits == [QUICK_UNREACHABLE_PAUSE_S, QUICK_UNREACHABLE_PAUSE_S]


def test_sync_json_counts_the_two_tries(
    tmp_path: Path, db_url: str, dead_url: str, waits: list[float]
) -> None:
    config = write_config(tmp_path, db_url, moodle_url=dead_url)
    outcome = run("sync", "--all-streams", "--json", config=config)
    assert outcome.exit_code == 1
    summary = json.loads(outcome.last_line)
    assert summary["status"] == "failed"
    assert summary["requests"] == 2  # not 6 tries for each of 9 streams
    assert list(summary["streams"]) == ["users"]
    assert len(error_lines(outcome)) == 1
    assert_plain(outcome)


def test_check_says_what_to_check(
    tmp_path: Path, db_url: str, dead_url: str, waits: list[float]
) -> None:
    config = write_config(tmp_path, db_url, moodle_url=dead_url)
    outcome = run("check", config=config)
    assert outcome.exit_code == 1
    lines = outcome.stdout.splitlines()
    [problem] = [x for x in lines if "connection:" in x]
    fix = lines[lines.index(problem) + 1].strip()
    assert f"cannot reach {dead_url}: connection refused" in problem
    assert fix.startswith("fix: check that Moodle is running")
    assert "could not be reached" not in fix  # the fix is not the problem restated
    assert waits == [QUICK_UNREACHABLE_PAUSE_S]
    assert_plain(outcome)


@pytest.mark.parametrize(
    ("raised", "cause"),
    [
        (OSError(errno.ECONNREFUSED, "refused"), "connection refused"),
        (socket.gaierror(socket.EAI_NONAME, "unknown"), "does not resolve (DNS)"),
        (OSError(errno.EHOSTUNREACH, "no route"), "no route to the host"),
    ],
)
def test_the_cause_is_told_in_plain_words(raised: OSError, cause: str) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, ENDPOINT, body=requests.exceptions.ConnectionError(raised))
        client = MoodleClient(make_config(max_retries=0))
        with pytest.raises(MoodleUnreachable) as caught:
            client.call("core_webservice_get_site_info")
    assert cause in str(caught.value)
    assert "is running" in (caught.value.fix or "")


def test_a_connect_timeout_is_unreachable() -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, ENDPOINT, body=requests.exceptions.ConnectTimeout("slow"))
        client = MoodleClient(make_config(max_retries=0, timeout_s=7))
        with pytest.raises(MoodleUnreachable, match="no answer to the connection within 7s"):
            client.call("core_webservice_get_site_info")


def test_the_daemon_keeps_its_backoff(waits: list[float]) -> None:
    refused = requests.exceptions.ConnectionError(OSError(errno.ECONNREFUSED, "refused"))
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, ENDPOINT, body=refused)
        client = MoodleClient(make_config(max_retries=4))
        with pytest.raises(MoodleUnreachable):
            client.call("core_webservice_get_site_info")
        assert client.request_count == 5 and len(waits) == 4


def test_a_waiting_person_gets_one_more_try(waits: list[float]) -> None:
    refused = requests.exceptions.ConnectionError(OSError(errno.ECONNREFUSED, "refused"))
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, ENDPOINT, body=refused)
        client = MoodleClient(make_config(max_retries=4))
        client.give_up_quickly_when_unreachable()
        with pytest.raises(MoodleUnreachable):
            client.call("core_webservice_get_site_info")
        assert client.request_count == 2 and waits == [QUICK_UNREACHABLE_PAUSE_S]
