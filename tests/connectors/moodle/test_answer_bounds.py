"""An answer nested too deep, or too large, is a typed LMS fault that names the function
and the answer's size (never its body), sent once and not again."""

from __future__ import annotations

import responses

from connectors.base import TerminalError
from connectors.moodle.errors import UnexpectedResponse
from tests.connectors.moodle.samples import ENDPOINT, call_and_catch

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
