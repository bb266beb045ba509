"""How the bridge may reach an LMS: the token and personal data never travel in clear
unless someone said so in writing, and then every run says so again.

``http://`` is for this host only (the simulator, a tunnel's local end): 127.0.0.0/8,
``::1`` and ``localhost``. Any other host needs ``allow_insecure_http = true``;
``verify_tls = false`` is accepted but, like that flag, warned about at the start of every
sync and push and in ``bridge check``. Credentials in the URL (``https://user:pw@host/``)
are refused: the URL is shown and logged, and the LMS is reached with the token anyway.
No message here repeats what stood before the ``@``.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit

from pydantic_core import InitErrorDetails

SCHEMES = ("https", "http")


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` can only be this machine."""
    if not host:
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def shown_url(parts: SplitResult) -> str:
    """The URL without anything before ``@`` (safe to print)."""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def url_problems(url: str, allow_insecure_http: bool) -> list[str]:
    """Why the LMS must not be reached at ``url`` (empty when it may)."""
    parts = urlsplit(url.strip())
    problems = []
    if parts.username is not None or parts.password is not None:
        problems.append(
            "the URL carries a user name or password before '@': remove it (URLs are "
            "shown and logged); the bridge signs in with the web-service token, set "
            "token_file in this section"
        )
    if parts.scheme.lower() not in SCHEMES:
        problems.append("the URL must start with https:// (http:// only for this host)")
    elif not parts.hostname:
        problems.append("the URL names no host")
    elif (
        parts.scheme.lower() == "http"
        and not is_loopback(parts.hostname)
        and not allow_insecure_http
    ):
        problems.append(
            f"{shown_url(parts)} would send the token and personal data unencrypted: use "
            "https://, or set allow_insecure_http = true in this section (warned on every run)"
        )
    return problems


def url_errors(url: str, allow_insecure_http: bool) -> list[InitErrorDetails]:
    """:func:`url_problems` as validation errors of the ``url`` key (its line is named)."""
    shown = shown_url(urlsplit(url.strip()))
    return [
        InitErrorDetails(
            type="value_error", loc=("url",), input=shown, ctx={"error": ValueError(problem)}
        )
        for problem in url_problems(url, allow_insecure_http)
    ]


def transport_warnings(url: str, verify_tls: bool) -> list[str]:
    """What is weak about a configuration that passed :func:`url_problems`."""
    parts = urlsplit(url.strip())
    warnings = []
    if parts.scheme.lower() == "http" and not is_loopback(parts.hostname):
        warnings.append(
            f"allow_insecure_http = true: {shown_url(parts)} is reached unencrypted, the "
            "token and personal data can be read on the way; use https://"
        )
    if not verify_tls and parts.scheme.lower() == "https":
        warnings.append(
            "verify_tls = false: the LMS's certificate is not checked, anyone on the way "
            "can pose as the LMS and read the token; give its CA in ca_bundle instead"
        )
    return warnings
