"""The REST transport: PHP-style form decoding and Moodle's response encodings.

Decoding follows PHP: ``a[0][b]=x`` becomes nested arrays, ``a[]=x`` appends,
GET and POST are merged with POST winning, and every variable past
``max_input_vars`` is silently dropped. Encoding follows
``webservice/rest/locallib.php``: JSON (with the literal ``null`` body for
functions without a return value) or XML, the latter also being the format of
errors when the request did not say otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape, quoteattr

from connectors.moodle.simulator.errors import MoodleError

NO_CACHE = {
    "Cache-Control": "private, must-revalidate, pre-check=0, post-check=0, max-age=0",
    "Expires": "Thu, 01 Jan 1970 00:00:00 GMT",
    "Pragma": "no-cache",
    "Access-Control-Allow-Origin": "*",
}
JSON_HEADERS = {"Content-type": "application/json", **NO_CACHE}
XML_HEADERS = {
    "Content-Type": "application/xml; charset=utf-8",
    "Content-Disposition": 'inline; filename="response.xml"',
    **NO_CACHE,
}
HTML_HEADERS = {"Content-type": "text/html; charset=utf-8"}
FORM_TYPES = ("application/x-www-form-urlencoded", "")

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])+)$")


class Response(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes


# --------------------------------------------------------------------- decoding


def _next_index(node: dict[str, Any]) -> str:
    numeric = [int(k) for k in node if k.lstrip("-").isdigit()]
    return str(max(numeric) + 1 if numeric else 0)


def php_arrays(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Turn ``name[a][b]=value`` pairs into nested dicts, as PHP fills ``$_POST``."""
    root: dict[str, Any] = {}
    for name, value in pairs:
        match = _KEY.match(name)
        if not match:
            root[name] = value
            continue
        keys = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for key in keys[:-1]:
            key = key or _next_index(node)
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        node[keys[-1] or _next_index(node)] = value
    return root


def decode_request(query: str, body: bytes, content_type: str, max_vars: int) -> dict[str, Any]:
    """``array_merge($_GET, $_POST)`` with PHP's ``max_input_vars`` truncation."""
    params = php_arrays(parse_qsl(query, keep_blank_values=True)[:max_vars])
    if content_type.split(";")[0].strip().lower() in FORM_TYPES and body:
        text = body.decode("utf-8", errors="replace")
        params.update(php_arrays(parse_qsl(text, keep_blank_values=True)[:max_vars]))
    return params


def encode_params(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """The inverse of ``php_arrays``: nested values as ``a[0][b]`` form fields."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, Mapping):
            pairs += encode_params(value, name)
        elif isinstance(value, list | tuple):
            pairs += encode_params(dict(enumerate(value)), name)
        elif isinstance(value, bool):
            pairs.append((name, "1" if value else "0"))
        elif value is not None:
            pairs.append((name, str(value)))
    return pairs


# --------------------------------------------------------------------- encoding


def _xml_value(value: Any) -> str:
    if isinstance(value, dict):
        keys = "".join(f"<KEY name={quoteattr(k)}>{_xml_value(v)}</KEY>\n"
                       for k, v in value.items())
        return f"<SINGLE>\n{keys}</SINGLE>\n"
    if isinstance(value, list):
        return "<MULTIPLE>\n" + "".join(_xml_value(v) for v in value) + "</MULTIPLE>\n"
    if value is None:
        return '<VALUE null="null"/>\n'
    if isinstance(value, bool):
        value = int(value)
    return f"<VALUE>{escape(str(value))}</VALUE>\n"


XML_PROLOG = '<?xml version="1.0" encoding="UTF-8" ?>\n'


def xml_document(value: Any) -> bytes:
    inner = "" if value is None else _xml_value(value)
    return f"{XML_PROLOG}<RESPONSE>\n{inner}</RESPONSE>\n".encode()


def success(value: Any, fmt: str) -> Response:
    if fmt == "json":
        return Response(200, dict(JSON_HEADERS), json.dumps(value).encode())
    return Response(200, dict(XML_HEADERS), xml_document(value))


def failure(error: MoodleError, fmt: str, *, debug: bool) -> Response:
    """HTTP 200 with the exception object: Moodle never sets an error status."""
    body = error.as_dict(debug=debug)
    if fmt == "json":
        return Response(200, dict(JSON_HEADERS), json.dumps(body).encode())
    children = "".join(f"<{key.upper()}>{escape(str(value))}</{key.upper()}>\n"
                       for key, value in body.items() if key != "exception")
    xml = f"{XML_PROLOG}<EXCEPTION class={quoteattr(error.exception)}>\n{children}</EXCEPTION>\n"
    return Response(200, dict(XML_HEADERS), xml.encode())


def forbidden() -> Response:
    """Web services or REST switched off: 403, an HTML content type and no body."""
    return Response(403, dict(HTML_HEADERS), b"")


def html_page(status: int, title: str, extra_headers: Mapping[str, str] | None = None) -> Response:
    """An error page of the web server or PHP in front of Moodle (never JSON)."""
    page = (f"<!DOCTYPE html>\n<html><head><title>{escape(title)}</title></head>"
            f"<body><h1>{escape(title)}</h1></body></html>\n")
    return Response(status, {**HTML_HEADERS, **(extra_headers or {})}, page.encode())


def json_response(status: int, value: Any) -> Response:
    return Response(status, {"Content-Type": "application/json"}, json.dumps(value).encode())
