"""The HTTP client for Moodle's REST web-service endpoint.

It knows the transport and nothing else: the token, error classification,
retry of transient failures and modest parallelism (reference 1.1-1.8); the
form each request carries is built by :mod:`connectors.moodle.form`. Streams
and pushes build on :meth:`MoodleClient.call`.

The token travels only in the POST body (never in the URL, where access logs
keep it) and is redacted from every log line and error message.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter

from connectors.moodle.answers import decode_json, read_answer
from connectors.moodle.classify import (
    classify_error,
    connection_failure,
    describe_body,
    error_for_status,
    error_for_xml,
    is_error_payload,
    media_type,
)
from connectors.moodle.config import MoodleConfig
from connectors.moodle.errors import (
    AnswerTimedOut,
    AnswerTooLarge,
    BadUrl,
    MoodleError,
    MoodleUnreachable,
    NetworkError,
    ServerError,
    Stopped,
    TlsError,
)
from connectors.moodle.form import build_form, chunk_request_ids
from connectors.moodle.functions import LIGHTER_READ
from connectors.moodle.retry import QUICK_UNREACHABLE_PAUSE_S, RetryPolicy, parse_retry_after
from connectors.redaction import redact, secret_forms

__all__ = ["REST_PATH", "MoodleClient", "parse_retry_after"]

T = TypeVar("T")

log = logging.getLogger("connectors.moodle.client")

REST_PATH = "/webservice/rest/server.php"

_USER_AGENT = "lms-registry-bridge"


class _Redactor:
    """Replaces the token (plain and URL-encoded) in text; its repr shows nothing."""

    __slots__ = ("_forms",)

    def __init__(self, secret: str) -> None:
        self._forms = tuple(secret_forms(secret))

    def __call__(self, text: str) -> str:
        return redact(text, self._forms)

    def __repr__(self) -> str:
        return "_Redactor(**********)"


class MoodleClient:
    """Calls Moodle web-service functions over REST.

    ``stop_event`` ends every wait at once (CONTRACTS 11): a retry that would
    have to wait raises :class:`~connectors.moodle.errors.Stopped` instead, and
    no new request starts once it is set.
    """

    def __init__(
        self,
        config: MoodleConfig,
        session: requests.Session | None = None,
        stop_event: threading.Event | None = None,
    ) -> None:
        self._config = config
        self._endpoint = config.url.rstrip("/") + REST_PATH
        self._redact = _Redactor(config.token.get_secret_value())
        self._own_session = session is None
        self._session = session if session is not None else self._new_session()
        self._stop = stop_event if stop_event is not None else threading.Event()
        self._lock = threading.Lock()
        self._requests = 0
        self._retry = RetryPolicy(config, self.redact)

    # ------------------------------------------------------------------ public

    def __repr__(self) -> str:
        return f"MoodleClient(url={self._config.url!r})"

    def __enter__(self) -> MoodleClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def request_count(self) -> int:
        """HTTP requests actually sent so far, retries included."""
        with self._lock:
            return self._requests

    def with_form_budget(self, max_form_fields: int) -> MoodleClient:
        """This client with another ``max_form_fields``, on the same HTTP session.

        For ``bridge check``, which sends requests larger than the configured
        budget on purpose to learn the site's real ``max_input_vars``.
        """
        config = self._config.model_copy(update={"max_form_fields": max_form_fields})
        return MoodleClient(config, session=self._session, stop_event=self._stop)

    def redact(self, text: str) -> str:
        """``text`` with the token (in any of its encodings) masked."""
        return self._redact(text)

    def call(self, wsfunction: str, params: Mapping[str, Any] | None = None) -> Any:
        """Call one function and return its decoded JSON answer (``None`` for ``null``).

        Transient failures are retried up to ``max_retries`` times; the last one
        is raised if they persist. Terminal failures are raised at once.
        """
        return self._call(wsfunction, params, None)

    def call_many(self, calls: Iterable[tuple[str, Mapping[str, Any] | None]]) -> Iterator[Any]:
        """Run ``calls`` with at most ``max_parallel_requests`` in flight; yield answers in order.

        ``calls`` is read lazily: while the caller holds one answer, at most
        ``max_parallel_requests`` further calls are started (a decoded roster or
        submission list is many megabytes: a slow caller must not find a row of
        them waiting). The first failure is raised at its place in the order.
        When the caller stops iterating (or a call fails), calls not yet started
        are dropped and running ones give up before their next attempt.
        """
        width = max(1, self._config.max_parallel_requests)
        window = width + 1  # keep the workers busy, but hold few finished answers in memory
        pending: deque[Future[Any]] = deque()
        source = iter(calls)
        abandoned = threading.Event()
        executor = ThreadPoolExecutor(max_workers=width, thread_name_prefix="moodle-call")

        def submit_next() -> bool:
            item = next(source, None)
            if item is None:
                return False
            wsfunction, params = item
            pending.append(executor.submit(self._call, wsfunction, params, abandoned))
            return True

        try:
            while len(pending) < window and submit_next():
                pass
            while pending:
                result = pending.popleft().result()
                yield result
                del result  # not kept while the next one is awaited
                submit_next()  # only now: the caller is done with its answer
        finally:
            abandoned.set()
            # Do not block on calls that may be waiting out a backoff: they stop
            # on their own before their next attempt.
            executor.shutdown(wait=False, cancel_futures=True)

    def chunk_ids(
        self,
        ids: Iterable[T],
        *,
        per_item_fields: int = 1,
        other_params: Mapping[str, Any] | None = None,
        max_items: int | None = None,
    ) -> Iterator[list[T]]:
        """Split ``ids`` so that each request (with ``other_params``) fits ``max_form_fields``."""
        return chunk_request_ids(
            ids,
            per_item_fields=per_item_fields,
            other_params=other_params or {},
            max_form_fields=self._config.max_form_fields,
            max_items=max_items,
        )

    def give_up_quickly_when_unreachable(self, pause_s: float = QUICK_UNREACHABLE_PAUSE_S) -> None:
        """Someone is waiting at the command line: a site that cannot be reached at all is
        tried once more after ``pause_s`` and then reported, instead of the full backoff
        (minutes per request) that suits the daemon. Other transient errors keep it."""
        self._retry.unreachable_pause = pause_s

    def sleep(self, seconds: float) -> None:
        """Wait between two attempts; a stop request ends the wait at once.

        Tests replace this method to run retries without waiting.
        """
        if self._stop.wait(seconds):
            raise Stopped(f"stop requested during a {seconds:.1f}s wait before a retry")

    def close(self) -> None:
        """Close the HTTP session if this client created it."""
        if self._own_session:
            self._session.close()

    # ------------------------------------------------------------------ request

    def _call(
        self,
        wsfunction: str,
        params: Mapping[str, Any] | None,
        abandoned: threading.Event | None,
    ) -> Any:
        fields = build_form(
            wsfunction,
            params or {},
            token=self._config.token.get_secret_value(),
            max_form_fields=self._config.max_form_fields,
            redact=self.redact,
        )
        if self._stop.is_set() or (abandoned is not None and abandoned.is_set()):
            raise Stopped("stop requested; request not sent", function=wsfunction)
        # ``self.sleep`` is looked up at each wait, so tests can replace it.
        retrying = self._retry.retrying(lambda seconds: self._pause(seconds, abandoned))
        return retrying(self._send, wsfunction, fields)

    def _pause(self, seconds: float, abandoned: threading.Event | None) -> None:
        """The wait tenacity runs between attempts: ``sleep``, then give up if abandoned."""
        self.sleep(seconds)
        if abandoned is not None and abandoned.is_set():
            raise Stopped("call_many was left before this call finished")

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        pool = max(10, self._config.max_parallel_requests)
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.headers["User-Agent"] = _USER_AGENT
        return session

    def _send(self, wsfunction: str, fields: list[tuple[str, str]]) -> Any:
        with self._lock:
            self._requests += 1
        log.debug(
            "POST %s wsfunction=%s fields=%d",
            self.redact(self._endpoint),
            wsfunction,
            len(fields),
        )
        timeout = self._config.timeout_s
        try:
            response = self._session.post(
                self._endpoint,
                data=fields,
                timeout=timeout,
                verify=self._config.ca_bundle or self._config.verify_tls,
                # A redirect would turn the POST into a GET and lose every field.
                allow_redirects=False,
                stream=True,  # read below, within max_answer_size
            )
            body = read_answer(response, self._config.max_answer_size, wsfunction)
        except AnswerTooLarge as exc:
            raise self._logged(exc) from None
        except requests.exceptions.SSLError as exc:
            raise TlsError(self._describe(exc), function=wsfunction) from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            cause = connection_failure(exc, timeout)
            if cause is None:
                raise self._network_error(exc, wsfunction) from exc
            raise MoodleUnreachable(
                self.redact(self._config.url), cause, function=wsfunction
            ) from exc
        except (
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
            requests.exceptions.InvalidURL,
        ) as exc:
            raise BadUrl(self._describe(exc), function=wsfunction) from exc
        except requests.exceptions.RequestException as exc:
            # A broken chunked answer, too many redirects, ...
            raise NetworkError(self._describe(exc), function=wsfunction) from exc
        return self._decode(wsfunction, response, body)

    def _network_error(self, exc: requests.RequestException, wsfunction: str) -> NetworkError:
        """A failure after the site was reached: a read timeout, a reset connection."""
        if isinstance(exc, requests.exceptions.Timeout):
            timeout = self._config.timeout_s
            lighter = LIGHTER_READ.get(wsfunction, "ask for less per call")
            return AnswerTimedOut(
                f"no answer within {timeout:g}s, not sent again (Moodle goes on computing an "
                f"abandoned request): {lighter}, or raise the connector's timeout",
                function=wsfunction,
            )
        return NetworkError(self._describe(exc), function=wsfunction)

    def _decode(self, wsfunction: str, response: requests.Response, body: bytes) -> Any:
        """The decoded answer, or the typed error it stands for.

        An error's text is built from facts about the answer (status, type, size,
        where the JSON broke) and Moodle's own error fields, never from the body:
        a truncated roster or gradebook would otherwise carry learners' names into
        log lines and run records.
        """
        status = response.status_code
        content_type = response.headers.get("Content-Type", "")
        size = len(body)
        text = body.decode("utf-8", errors="replace")
        log.debug(  # the benchmarks read the slowest answer from these lines
            "wsfunction=%s status=%d bytes=%d type=%s seconds=%.3f",
            wsfunction,
            status,
            size,
            media_type(content_type),
            response.elapsed.total_seconds(),
        )
        if status != 200:
            raise self._logged(
                error_for_status(
                    wsfunction,
                    status,
                    describe_body(text, content_type, size),
                    retry_after=parse_retry_after(response.headers.get("Retry-After")),
                    location=self.redact(response.headers.get("Location", "")) or None,
                )
            )
        if not text.strip():
            raise self._logged(ServerError("HTTP 200 with an empty answer", function=wsfunction))
        if "xml" in content_type.lower() or text.lstrip().startswith("<?xml"):
            raise self._logged(error_for_xml(wsfunction, self.redact(text)))
        try:
            payload = decode_json(text, size, wsfunction)
        except MoodleError as error:
            raise self._logged(error) from None
        if is_error_payload(payload):
            raise self._logged(classify_error(wsfunction, self._redact_tree(payload)))
        return payload

    # ------------------------------------------------------------------ redaction

    def _describe(self, exc: BaseException) -> str:
        return self.redact(f"{type(exc).__name__}: {exc}")

    def _redact_tree(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, Mapping):
            return {k: self._redact_tree(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._redact_tree(v) for v in value]
        return value

    def _logged(self, error: MoodleError) -> MoodleError:
        log.debug("moodle error %s: %s", type(error).__name__, self.redact(str(error)))
        return error
