"""Reading one answer within bounds: its size and its nesting.

An answer is read in chunks and abandoned once it passes ``max_answer_size``, so a
runaway report (or a hostile endpoint) costs the bridge at most that much memory,
never the machine. JSON nested deeper than Python's parser can follow is a malformed
answer like any other, not a ``RecursionError`` that ends the run. Neither error ever
quotes the body: it may hold learners' data.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from connectors.moodle.errors import AnswerTooLarge, ServerError, UnexpectedResponse

__all__ = ["decode_json", "read_answer"]

_CHUNK = 256 * 1024

_TOO_DEEP_FIX = (
    "Moodle (or something between it and the bridge) sent JSON nested deeper than any "
    "web-service answer is: check the site and any proxy in front of it."
)


def read_answer(response: requests.Response, limit: int, wsfunction: str) -> bytes:
    """The body of ``response`` (sent with ``stream=True``), at most ``limit`` bytes.

    A longer answer raises :class:`AnswerTooLarge` as soon as it is known to be longer
    (from ``Content-Length`` or while reading); the connection is closed, not drained.
    """
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        raise _too_large(wsfunction, limit, f"announced {int(declared):,} bytes")
    body = bytearray()
    for chunk in response.iter_content(_CHUNK):
        body += chunk
        if len(body) > limit:
            response.close()
            raise _too_large(wsfunction, limit, f"more than {limit:,} bytes read")
    return bytes(body)


def decode_json(text: str, size: int, wsfunction: str) -> Any:
    """``text`` decoded, or the typed error a malformed answer stands for."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        # exc.msg is the parser's own wording; the document (exc.doc) never travels further.
        where = f"invalid JSON ({exc.msg}) at char {exc.pos:,} of a {size:,}-byte answer"
        raise ServerError(f"HTTP 200, {where}", function=wsfunction) from None
    except RecursionError:
        raise UnexpectedResponse(
            f"HTTP 200, a {size:,}-byte answer nested too deep to decode",
            function=wsfunction,
            fix=_TOO_DEEP_FIX,
        ) from None


def _too_large(wsfunction: str, limit: int, seen: str) -> AnswerTooLarge:
    return AnswerTooLarge(
        f"answer too large: {seen}, over max_answer_size ({limit:,} bytes); not read further "
        "and not asked again",
        function=wsfunction,
    )
