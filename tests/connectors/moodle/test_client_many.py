"""``call_many``: parallel calls, answers in call order, lazy reading, stopping."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
import responses

from connectors.moodle.client import MoodleClient
from connectors.moodle.errors import (
    InvalidToken,
    Stopped,
)
from tests.connectors.moodle.client_fakes import (
    site_info_error,
)
from tests.connectors.moodle.samples import (
    ENDPOINT,
    make_client,
    make_config,
)

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


def test_call_many_starts_no_call_ahead_while_its_caller_holds_an_answer(
    rsps: responses.RequestsMock,
) -> None:
    """A decoded answer can be many megabytes: while the caller works on one (a slow
    writer), at most ``max_parallel_requests`` further answers are fetched and kept."""
    rsps.add_callback(responses.POST, ENDPOINT, callback=_echo_n)
    width = 2
    pulled = 0

    def calls() -> Iterator[tuple[str, dict[str, int]]]:
        nonlocal pulled
        for n in range(10):
            pulled += 1
            yield "local_echo", {"n": n}

    answers = make_client(max_parallel_requests=width).call_many(calls())
    for held in range(1, 8):
        assert next(answers) == {"n": held - 1}
        assert pulled == held + width  # the one held and `width` ahead, no more
    answers.close()


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
