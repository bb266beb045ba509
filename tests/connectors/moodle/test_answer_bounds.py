"""An answer nested too deep, or longer than ``max_answer_size``, is a typed LMS fault that
names the function and the answer's size (never its body), sent once and not again."""

from __future__ import annotations

import io
from typing import Any

import pytest
import responses
from pydantic import SecretStr, ValidationError

from connectors.base import TerminalError
from connectors.moodle.config import MoodleConfig, MoodleSettings
from connectors.moodle.errors import AnswerTooLarge, UnexpectedResponse
from tests.connectors.moodle.samples import ENDPOINT, call_and_catch, make_client

FUNCTION = "core_user_get_users_by_field"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_an_answer_nested_100000_deep_is_an_unexpected_response_not_a_recursion_error(
    strict_rsps: responses.RequestsMock,
) -> None:
    body = nested(100_000)
    strict_rsps.add(responses.POST, ENDPOINT, body=body, content_type="application/json")
    error = call_and_catch(FUNCTION)
    assert type(error) is UnexpectedResponse and isinstance(error, TerminalError)
    assert FUNCTION in str(error) and f"{len(body):,}-byte" in str(error)
    assert "nested too deep" in str(error) and "[[[" not in str(error)
    assert error.fix and "proxy" in error.fix
    assert len(strict_rsps.calls) == 1  # not asked again


class Endless(io.RawIOBase):
    """A body of ``size`` bytes made as it is read, counting what was read."""

    def __init__(self, size: int) -> None:
        self.left, self.read_bytes = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = b" " * n
        self.left -= n
        self.read_bytes += n
        return n


def test_an_answer_over_max_answer_size_is_not_read_on_and_not_asked_again(
    strict_rsps: responses.RequestsMock,
) -> None:
    limit = 1_000_000
    body = Endless(300_000_000)  # 300 MB that is never all read
    strict_rsps.add(responses.POST, ENDPOINT, body=io.BufferedReader(body))
    client = make_client(max_answer_size=limit)
    with pytest.raises(AnswerTooLarge) as caught:
        client.call(FUNCTION)
    error = caught.value
    assert isinstance(error, UnexpectedResponse) and isinstance(error, TerminalError)
    assert body.read_bytes < 2 * limit
    assert FUNCTION in str(error) and "max_answer_size (1,000,000 bytes)" in str(error)
    assert error.fix and "max_answer_size" in error.fix
    assert len(strict_rsps.calls) == 1  # not asked again: Moodle would do the same work


def test_an_answer_announced_over_max_answer_size_is_refused_before_reading(
    strict_rsps: responses.RequestsMock,
) -> None:
    body = b"[" + b"0," * 600_000 + b"0]"
    strict_rsps.add(responses.POST, ENDPOINT, body=body, content_type="application/json",
                    headers={"Content-Length": str(len(body))})
    with pytest.raises(AnswerTooLarge, match="announced 1,200,003 bytes"):
        make_client(max_answer_size=1_000_000).call(FUNCTION)


def test_an_answer_within_max_answer_size_is_decoded(strict_rsps: responses.RequestsMock) -> None:
    answer = [{"id": n, "email": f"s{n}@example.fi"} for n in range(20_000)]
    strict_rsps.add(responses.POST, ENDPOINT, json=answer)
    assert make_client(max_answer_size=1_000_000).call(FUNCTION) == answer


def test_the_default_bound_leaves_room_for_the_user_report_of_1000_learners() -> None:
    # The user report of a 1,000-learner course is about 56 MiB (docs/moodle-setup.md).
    assert MoodleConfig(url="https://moodle.test", token=SecretStr("t")).max_answer_size > (
        2 * 56 * 1024 * 1024
    )


def test_max_answer_size_reads_sizes_and_has_bounds() -> None:
    assert MoodleSettings(max_answer_size="64MB").max_answer_size == 64_000_000
    assert MoodleSettings(max_answer_size="256MiB").max_answer_size == 256 * 1024 * 1024
    for wrong in ("1kB", "3GB", "lots"):
        with pytest.raises(ValidationError):
            MoodleSettings(max_answer_size=wrong)
