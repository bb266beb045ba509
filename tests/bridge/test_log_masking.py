"""The token is masked in every log line at every level, whatever carries it: the message,
a traceback's text (an exception quoting an LMS record whose fields hold the token), a
JSON line's extra fields, and the token's URL-encoded and JSON-escaped forms."""

from __future__ import annotations

import json
import logging
from urllib.parse import quote, quote_plus

import pytest

from bridge.logs import MASK, configure_logging, secret_filter

#: A token whose encodings differ from it (real ones are hex; nothing says they must be).
TOKEN = "tok+en/ä=5b1e9c7d"
RECORD = {"id": 7, "username": TOKEN, "email": f"{TOKEN}@", "idnumber": quote_plus(TOKEN)}


def log_a_rejected_record() -> None:
    log = logging.getLogger("bridge.test")
    try:
        raise ValueError(f"user 7 failed validation: {RECORD!r}")
    except ValueError:
        log.debug("record set aside", exc_info=True, extra={"ctx_record": RECORD})
    log.debug("asked for %s and %s", quote(TOKEN, safe=""), json.dumps(TOKEN))


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_record_holding_the_token_leaves_no_token_in_any_log_line(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(logging.DEBUG, fmt)
    secret_filter.add(TOKEN)
    try:
        log_a_rejected_record()
    finally:
        configure_logging(logging.WARNING)
    lines = capsys.readouterr().err
    assert "record set aside" in lines and MASK in lines
    assert fmt == "json" or "failed validation" in lines  # the traceback was written
    for form in (TOKEN, quote(TOKEN, safe=""), quote_plus(TOKEN), json.dumps(TOKEN)[1:-1]):
        assert form not in lines
    assert "5b1e9c7d" not in lines
