"""The HTTP client for Canvas's REST API.

Bearer token in the ``Authorization`` header (never in a URL, never in a log line);
pagination only by the ``Link`` header's ``rel="next"`` (Canvas's page tokens are opaque,
so pages are never guessed); throttling by ``X-Rate-Limit-Remaining``: below the
configured floor the client pauses before the next request, and a ``403 Rate Limit
Exceeded`` is retried with backoff like 5xx answers and timeouts (tenacity).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception
from tenacity.wait import wait_random_exponential

from connectors.base import TerminalError, TransientError, Unreachable
from connectors.canvas.config import CanvasConfig
from connectors.canvas.endpoints import Endpoint
from connectors.canvas.errors import ServerError, error_for
from connectors.redaction import redact, secret_forms

log = logging.getLogger("connectors.canvas.client")

#: Redirects a file download may take (Canvas's own, then its file store's).
MAX_REDIRECTS = 3

Params = Mapping[str, Any] | Sequence[tuple[str, Any]]


class Stopped(TransientError):
    """The run was asked to stop while the client waited."""


class CanvasClient:
    """Calls Canvas's REST API with one token; counts its requests."""

    def __init__(self, config: CanvasConfig, *, session: requests.Session | None = None,
                 stop_event: threading.Event | None = None,
                 sleep: Callable[[float], None] | None = None) -> None:
        self._config = config
        self._session = session or requests.Session()
        self._stop = stop_event or threading.Event()
        self._sleep = sleep or self._wait
        self._forms = tuple(secret_forms(config.token.get_secret_value()))
        self._backoff = wait_random_exponential(multiplier=0.5, max=config.max_backoff_s)
        self._quick = False
        self.request_count = 0
        #: The last ``X-Rate-Limit-Remaining`` Canvas sent (None before the first answer).
        self.remaining: float | None = None

    def __repr__(self) -> str:
        return f"CanvasClient({self._config.url!r}, token=**********)"

    # ------------------------------------------------------------------ public

    def get(self, endpoint: Endpoint, params: Params = (), **ids: object) -> Any:
        """One answer of ``endpoint`` (no paging)."""
        return _json(self._request(endpoint, endpoint.url(**ids), params), endpoint)

    def pages(self, endpoint: Endpoint, params: Params = (), **ids: object) -> Iterator[list[Any]]:
        """Each page of a listing, following ``Link: <...>; rel="next"`` until there is none."""
        first = [*_pairs(params), ("per_page", self._config.page_size)]
        url: str | None = endpoint.url(**ids)
        query: Params = first
        while url is not None:
            response = self._request(endpoint, url, query)
            answer = _json(response, endpoint)
            if not isinstance(answer, list):
                raise ServerError(f"{endpoint.method} {endpoint.path}: expected a list")
            yield answer
            url, query = self._next(response, endpoint), ()

    def send(self, endpoint: Endpoint, data: Params = (), query: Params = (),
             **ids: object) -> Any:
        """A write (PUT, POST, DELETE): form parameters in the body, as Canvas's docs give
        them; ``query`` for those its docs give as query parameters (a DELETE's ``task``)."""
        return _json(self._request(endpoint, endpoint.url(**ids), query, data), endpoint)

    def download(self, endpoint: Endpoint, url: str) -> bytes:
        """A file Canvas links to (a report's ``attachment.url``), on the instance's own host.

        Canvas may redirect the download to where its files are stored: the client follows
        a redirect on the instance's own origin with the token, and one to a host named in
        ``report_file_hosts`` without it (the redirect's signed address is what lets it in);
        any other redirect is refused, so neither the token nor the file goes astray."""
        own = _origin(self._config.url)
        if _origin(url) != own:
            raise TerminalError(f"{endpoint.method} {endpoint.path}: the file's address points "
                                f"to another host ({urlsplit(url).netloc})",
                                fix="check that url is the instance's own address")
        allowed = {host.lower() for host in self._config.report_file_hosts}
        bearer = True
        for _hop in range(MAX_REDIRECTS + 1):
            response = self._request(endpoint, url, (), follow=True, bearer=bearer)
            if not 300 <= response.status_code < 400:
                return response.content
            url = urljoin(url, response.headers.get("Location") or "")
            parts = urlsplit(url)
            if _origin(url) != own and not (parts.scheme == "https"
                                            and (parts.hostname or "") in allowed):
                raise TerminalError(
                    f"{endpoint.method} {endpoint.path}: Canvas redirects the file to "
                    f"{parts.netloc or 'elsewhere'}",
                    fix=f"if {parts.hostname} is where the instance stores its files, add it "
                    "to report_file_hosts (the token is never sent there)")
            bearer = bearer and _origin(url) == own
        raise ServerError(f"{endpoint.method} {endpoint.path}: more than {MAX_REDIRECTS} "
                          "redirects")

    def pause(self, seconds: float) -> None:
        """Wait between polls; a stop asked meanwhile ends the wait (``Stopped``)."""
        self._sleep(seconds)

    def _next(self, response: requests.Response, endpoint: Endpoint) -> str | None:
        """The next page's link, only on the instance's own host: the token goes with it."""
        url = _next_link(response)
        if url is not None and urlsplit(url).netloc != urlsplit(self._config.url).netloc:
            raise TerminalError(f"{endpoint.method} {endpoint.path}: the next page's link "
                                f"points to another host ({urlsplit(url).netloc})",
                                fix="check that url is the instance's own address")
        return url

    def give_up_quickly_when_unreachable(self) -> None:
        self._quick = True

    def close(self) -> None:
        self._session.close()

    # ------------------------------------------------------------------ transport

    def _request(self, endpoint: Endpoint, url: str, params: Params,
                 data: Params | None = None, *, follow: bool = False,
                 bearer: bool = True) -> requests.Response:
        retrying = Retrying(retry=retry_if_exception(_retryable), stop=self._should_stop,
                            wait=self._wait_for, sleep=self._sleep,
                            before_sleep=self._log_retry, reraise=True)
        response: requests.Response = retrying(self._once, endpoint, url, params, data,
                                               follow, bearer)
        return response

    def _once(self, endpoint: Endpoint, url: str, params: Params,
              data: Params | None, follow: bool = False,
              bearer: bool = True) -> requests.Response:
        if self._stop.is_set():
            raise Stopped("stopped")
        self._throttle()
        target = url if url.startswith("http") else self._config.url + url
        self.request_count += 1
        headers = {"Accept": "application/json", "User-Agent": "lms-registry-bridge"}
        if bearer:
            headers["Authorization"] = f"Bearer {self._config.token.get_secret_value()}"
        try:
            response = self._session.request(
                endpoint.method, target, params=list(_pairs(params)) or None,
                data=list(_pairs(data)) if data is not None else None, headers=headers,
                timeout=self._config.timeout_s, verify=self._config.verify_tls,
                allow_redirects=False)
        except requests.ConnectionError as exc:
            raise Unreachable(url=self._config.url, cause=self._redact(_short(exc)),
                              lms="Canvas") from None
        except requests.Timeout:
            raise ServerError(f"{endpoint.method} {endpoint.path}: no answer within "
                              f"{self._config.timeout_s:g}s") from None
        self._note_remaining(response)
        if 300 <= response.status_code < 400 and follow:
            return response
        if 300 <= response.status_code < 400:
            where = urlsplit(response.headers.get("Location") or "").netloc or "elsewhere"
            raise TerminalError(
                f"{endpoint.method} {endpoint.path}: Canvas redirects to {where}",
                fix="set url to the instance's own https:// address (the one the redirect "
                "names), so that the token is never sent anywhere else")
        if response.status_code >= 400:
            raise error_for(response.status_code, self._redact(response.text[:500]), endpoint,
                            account=self._config.account_id, token_file=self._config.token_file,
                            retry_after=_retry_after(response))
        return response

    def _note_remaining(self, response: requests.Response) -> None:
        value = response.headers.get("X-Rate-Limit-Remaining")
        with contextlib.suppress(ValueError):
            self.remaining = float(value) if value is not None else self.remaining

    def _throttle(self) -> None:
        """Pause before a request while Canvas's bucket is below the floor: the lower, the
        longer (up to ``throttle_pause_s``), so the bucket refills instead of running dry."""
        floor = self._config.rate_limit_floor
        if self.remaining is None or floor <= 0 or self.remaining >= floor:
            return
        pause = self._config.throttle_pause_s * (floor - max(self.remaining, 0.0)) / floor
        log.info("Canvas's rate-limit bucket is low (%.0f left): pausing %.2fs",
                 self.remaining, pause)
        self._sleep(pause)
        self.remaining = None  # the next answer says how the bucket stands

    def _wait(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise Stopped("stopped while waiting")

    def _should_stop(self, state: RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome else None
        attempts = 2 if self._quick and isinstance(error, Unreachable) else (
            self._config.max_retries + 1)
        return state.attempt_number >= attempts

    def _wait_for(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        retry_after = getattr(error, "retry_after", None)
        delay = retry_after if retry_after is not None else self._backoff(state)
        return max(0.0, min(float(delay), self._config.max_backoff_s))

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning("attempt %d failed (%s), retrying", state.attempt_number,
                    self._redact(str(error)))

    def _redact(self, text: str) -> str:
        return redact(text, self._forms)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _json(response: requests.Response, endpoint: Endpoint) -> Any:
    """The answer's JSON; an answer that is not JSON (a proxy's page) is an LMS fault."""
    try:
        return response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "no content type")
        raise ServerError(f"{endpoint.method} {endpoint.path}: the answer is not JSON "
                          f"({kind})") from None


def _retryable(error: BaseException) -> bool:
    return isinstance(error, TransientError) and not isinstance(error, Stopped)


def _pairs(params: Params | None) -> Iterator[tuple[str, Any]]:
    items = params.items() if isinstance(params, Mapping) else (params or ())
    for key, value in items:
        if isinstance(value, list | tuple):
            yield from ((key, v) for v in value)
        else:
            yield key, value


def _next_link(response: requests.Response) -> str | None:
    """The ``rel="next"`` URL of the ``Link`` header, or None on the last page."""
    link = response.links.get("next")
    return str(link["url"]) if link and link.get("url") else None


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 200 else text[:200] + "..."
