"""The one masker of secrets: what the logs, stored payloads and LMS errors show instead.

It lives in ``connectors/``, the lowest layer, so that the register and every connector
mask with the same function and the same mask.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

#: What a secret is replaced with; also what ``pydantic.SecretStr`` shows.
MASK = "**********"


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by :data:`MASK`.

    Longer secrets are replaced first, so that a secret's encoded form (longer than
    the plain one) is not left half-replaced by a shorter one; empty strings are skipped.
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def secret_forms(secret: str) -> frozenset[str]:
    """``secret`` as text may carry it: plain, URL-encoded (both ways) and JSON-escaped."""
    return frozenset({secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]})
