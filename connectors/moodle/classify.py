"""Moodle's error answers turned into typed errors, using the tables of
:mod:`connectors.moodle.errors`: by ``errorcode`` first, then by exception class, then by
HTTP status; the XML shape of an error (a misconfigured format) is recognised too.
Kept apart from the tables so that adding an error code is one line there and the
decoding rules here stay short.
"""

from __future__ import annotations

import errno
import re
import socket
from collections.abc import Iterator, Mapping
from typing import Any

import requests

from connectors.moodle.errors import (
    BY_ERRORCODE,
    BY_EXCEPTION,
    FIX_BY_ERRORCODE,
    SENTENCE_ERRORCODES,
    BadUrl,
    FunctionNotInstalled,
    MoodleError,
    MoodleException,
    MoodleInternalError,
    ServerError,
    SiteMaintenance,
    UnexpectedResponse,
    WebServicesDisabled,
    shorten,
)


def strip_namespace(exception_class: str) -> str:
    """``core\\exception\\moodle_exception`` → ``moodle_exception``."""
    return exception_class.rsplit("\\", 1)[-1]


def is_error_payload(payload: Any) -> bool:
    """Whether a decoded JSON answer is Moodle's error object (reference 1.4)."""
    return isinstance(payload, Mapping) and "exception" in payload


def classify_error(function: str | None, payload: Mapping[str, Any]) -> MoodleError:
    """Turn Moodle's error object into the typed error to raise.

    ``payload`` must already be redacted (it may echo request values).
    """
    raw_class = payload.get("exception")
    exception_class = strip_namespace(raw_class) if isinstance(raw_class, str) else None
    errorcode = _meant_code(_text(payload.get("errorcode")))
    message = _text(payload.get("message")) or "(no message)"
    debuginfo = _text(payload.get("debuginfo"))  # only its length travels on

    cls: type[MoodleError]
    if errorcode is None:
        # A PHP engine Error (TypeError, ...) has no errorcode: a Moodle bug.
        cls = MoodleInternalError
    elif errorcode == "invalidrecord" and "external_functions" in message:
        # The only split allowed on message text: the table name is not translated.
        cls = FunctionNotInstalled
    else:
        cls = (
            BY_ERRORCODE.get(errorcode)
            or BY_EXCEPTION.get(exception_class or "")
            or MoodleException
        )
    return cls(
        message,
        function=function,
        errorcode=errorcode,
        exception_class=exception_class,
        debuginfo_chars=len(debuginfo or ""),
        fix=FIX_BY_ERRORCODE.get(errorcode or ""),
    )


def _meant_code(errorcode: str | None) -> str | None:
    """The code behind an error code Moodle wrote as a sentence (:data:`SENTENCE_ERRORCODES`)."""
    if errorcode is None or errorcode in BY_ERRORCODE:
        return errorcode
    return next(
        (code for start, code in SENTENCE_ERRORCODES.items() if errorcode.startswith(start)),
        errorcode,
    )


def error_for_status(
    function: str | None,
    status: int,
    detail: str,
    *,
    retry_after: float | None = None,
    location: str | None = None,
) -> MoodleError:
    """The error for a non-200 HTTP answer.

    ``detail`` describes the body (from :func:`describe_body`: its kind and size,
    never an excerpt), ``location`` is the redirect target of a 3xx answer
    (already redacted).
    """
    detail = shorten(detail.strip(), 200) or "empty body"
    common: dict[str, Any] = {"function": function}
    if status == 403:
        return WebServicesDisabled(f"HTTP 403 ({detail})", **common)
    if 300 <= status < 400:
        return BadUrl(f"HTTP {status} redirect to {location or '(no Location)'}", **common)
    if status == 404:
        return BadUrl("HTTP 404: no Moodle web-service endpoint at this URL", **common)
    if status == 503 and retry_after is not None:
        return SiteMaintenance(
            f"HTTP 503, Retry-After {retry_after:g}s ({detail})", retry_after=retry_after, **common
        )
    if status >= 500 or status in (408, 425, 429):
        return ServerError(f"HTTP {status} ({detail})", retry_after=retry_after, **common)
    return UnexpectedResponse(f"HTTP {status} ({detail})", **common)


_MEDIA_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]{1,40}/[a-z0-9!#$&^_.+-]{1,60}")


def describe_body(text: str, content_type: str, size: int) -> str:
    """What a body that is not Moodle's JSON looks like, without quoting any of it.

    A proxy's or Moodle's HTML page can carry a profile's title or a learner's
    name, so only its kind and size are told.
    """
    if not text.strip():
        return "empty body"
    media = media_type(content_type)
    head = text.lstrip()[:100].lower()
    if "html" in media or head.startswith(("<!doctype html", "<html")):
        return f"HTML page, {size:,} bytes"
    return f"{media or 'untyped'} answer, {size:,} bytes"


def media_type(content_type: str) -> str:
    """``text/html; charset=utf-8`` → ``text/html``; anything odd in the header is dropped."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media if _MEDIA_TYPE.fullmatch(media) else ""


_XML_CLASS = re.compile(r'<EXCEPTION\s+class="([^"]*)"')
_XML_CODE = re.compile(r"<ERRORCODE>(.*?)</ERRORCODE>", re.S)
_XML_MESSAGE = re.compile(r"<MESSAGE>(.*?)</MESSAGE>", re.S)


def error_for_xml(function: str | None, body: str) -> UnexpectedResponse:
    """An XML answer to a JSON request; Moodle's own error code is kept for diagnosis.

    Only the fields of Moodle's ``<EXCEPTION>`` element are read (its message is
    Moodle's own wording); any other XML is data and is not quoted.
    """
    exception_class = _first(_XML_CLASS, body)
    errorcode = _first(_XML_CODE, body) if exception_class is not None else None
    moodle_message = _first(_XML_MESSAGE, body) if exception_class is not None else None
    if moodle_message:
        moodle_message = shorten(moodle_message, 200)
    message = "Moodle answered XML although JSON was requested"
    if errorcode or moodle_message:
        message += f" (its error: {errorcode or '?'}: {moodle_message or ''})"
    return UnexpectedResponse(
        message,
        function=function,
        errorcode=errorcode,
        exception_class=strip_namespace(exception_class) if exception_class else None,
    )


#: errno of a failed connect → the cause in plain words.
_CONNECT_ERRNOS = {
    errno.ECONNREFUSED: "connection refused (nothing listens on that port)",
    errno.EHOSTUNREACH: "no route to the host",
    errno.ENETUNREACH: "the network is unreachable",
}


def connection_failure(exc: requests.RequestException, timeout_s: float) -> str | None:
    """The plain cause when no connection to the site could be made at all, else ``None``.

    Decided from the exception types and ``errno`` in the chain that ``requests`` and
    urllib3 build (never from their text, ``HTTPConnectionPool(...)``, which is not for
    the person reading it). A reset or a broken answer is not this: the site was reached.
    """
    chain = list(_chain(exc))
    if any(isinstance(e, socket.gaierror) for e in chain):
        return "the host name does not resolve (DNS)"
    for error in chain:
        if isinstance(error, OSError) and error.errno in _CONNECT_ERRNOS:
            return _CONNECT_ERRNOS[error.errno]
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"no answer to the connection within {timeout_s:g}s"
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps: ``args[0]``, urllib3's ``reason``, causes and contexts."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        error = todo.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        wrapped = [getattr(error, "reason", None), error.__cause__, error.__context__]
        wrapped += [a for a in error.args[:1] if isinstance(a, BaseException)]
        todo += [w for w in wrapped if isinstance(w, BaseException)]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1).strip() if match else None
