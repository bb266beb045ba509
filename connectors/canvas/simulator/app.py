"""The simulated Canvas's front door: routing, bearer auth, permissions, paging, faults.

Requests are routed by the path templates of :mod:`connectors.canvas.endpoints`, so the
simulator answers exactly the endpoints the connector calls and nothing else (any other
path is Canvas's 404). Listings are paged as Canvas pages them: ``per_page`` (default
10, at most 100) and a ``Link`` header with ``rel="current"``, ``"first"`` and, unless
this is the last page, ``"next"``. Every answer carries ``X-Rate-Limit-Remaining``.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from connectors.canvas.endpoints import ENDPOINTS, PERMISSION_LABELS, Endpoint
from connectors.canvas.simulator.dataset import Account, build_account
from connectors.canvas.simulator.handlers import HANDLERS, Answer, Missing, Refused

Query = dict[str, list[str]]
Result = tuple[int, dict[str, str], bytes]

NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}
BAD_TOKEN = {"errors": [{"message": "Invalid access token."}]}
UNAUTHORIZED = {"status": "unauthorized",
                "errors": [{"message": "user not authorized to perform that action"}]}
RATE_LIMITED = b"403 Forbidden (Rate Limit Exceeded)\n"


def _pattern(endpoint: Endpoint) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", endpoint.path) + "$")


ROUTES = [(endpoint, _pattern(endpoint)) for endpoint in ENDPOINTS]


@dataclass
class Fault:
    """One injected failure: ``rate_limit`` (403), ``server_error`` (503) or ``slow``."""

    kind: str
    delay: float = 0.0


@dataclass
class SimulatedCanvas:
    """An in-memory Canvas account answering its REST API."""

    size: str = "tiny"
    seed: int = 1
    token: str = field(default_factory=lambda: "canvas-" + secrets.token_hex(16), repr=False)
    account: Account = field(init=False)
    #: The account permissions the token's user has (all by default).
    granted: set[str] = field(default_factory=lambda: set(PERMISSION_LABELS))
    #: What ``X-Rate-Limit-Remaining`` says (Canvas's bucket starts at 700).
    rate_limit_remaining: float = 700.0
    #: Failures answered to the next requests, in order.
    faults: list[Fault] = field(default_factory=list)
    #: (method, path with query) of every request, for tests and benchmarks.
    requests: list[tuple[str, str]] = field(default_factory=list)
    base_url: str = "http://canvas.test"
    #: The share of requests answered 503 at random (seeded), as a flaky instance would.
    fault_share: float = 0.0

    def __post_init__(self) -> None:
        self.account = build_account(self.size, self.seed)
        self._lock = threading.Lock()
        self._dice = random.Random(self.seed)

    def fail_next(self, kind: str, count: int = 1, delay: float = 0.0) -> None:
        self.faults.extend(Fault(kind, delay) for _ in range(count))

    def handle(self, method: str, target: str, headers: Mapping[str, str],
               body: bytes) -> tuple[Result, float]:
        """The answer to one request and how long to stall before it (a ``slow`` fault)."""
        with self._lock:
            self.requests.append((method, target))
            fault = self.faults.pop(0) if self.faults else None
            if fault is None and self.fault_share and self._dice.random() < self.fault_share:
                fault = Fault("server_error")
            if fault is not None and fault.kind == "rate_limit":
                return (403, self._limits(0.0, "text/plain"), RATE_LIMITED), 0.0
            if fault is not None and fault.kind == "server_error":
                return self._json(503, {"errors": [{"message": "unavailable"}]}), 0.0
            result = self._route(method, target, headers, body)
            return result, fault.delay if fault is not None else 0.0

    def _route(self, method: str, target: str, headers: Mapping[str, str],
               body: bytes) -> Result:
        auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        if auth != f"Bearer {self.token}":
            answer = self._json(401, BAD_TOKEN)
            answer[1]["WWW-Authenticate"] = 'Bearer realm="canvas-lms"'
            return answer
        split = urlsplit(target)
        query = parse_qs(split.query, keep_blank_values=True)
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True) if body else {}
        for endpoint, pattern in ROUTES:
            found = pattern.match(split.path)
            if found is None or endpoint.method != method:
                continue
            if endpoint.permission is not None and endpoint.permission not in self.granted:
                return self._json(401, UNAUTHORIZED)
            ids = found.groupdict()
            if ids.get("account_id") not in (None, "self", "1"):
                return self._json(404, NOT_FOUND)
            if endpoint.name == "permissions":
                asked = query.get("permissions[]") or []
                return self._json(200, {p: p in self.granted for p in asked})
            try:
                answer = HANDLERS[endpoint.name](self.account, ids, query, form)
            except Missing:
                return self._json(404, NOT_FOUND)
            except Refused:
                return self._json(401, UNAUTHORIZED)
            return self._answer(split.path, query, answer)
        return self._json(404, NOT_FOUND)

    def _answer(self, path: str, query: Query, answer: Answer) -> Result:
        if isinstance(answer, bytes):  # a file (a report's CSV)
            return 200, self._limits(self.rate_limit_remaining, "text/csv"), answer
        if not isinstance(answer, list):
            return self._json(200, self._absolute(answer))
        per_page = min(max(int((query.get("per_page") or ["10"])[0] or 10), 1), 100)
        page = max(int((query.get("page") or ["1"])[0] or 1), 1)
        chunk = answer[(page - 1) * per_page: page * per_page]
        result = self._json(200, chunk)
        links = [("current", page), ("first", 1)]
        if page * per_page < len(answer):
            links.insert(0, ("next", page + 1))
        if page > 1:
            links.append(("prev", page - 1))
        result[1]["Link"] = ",".join(
            f'<{self._url(path, query, number, per_page)}>; rel="{rel}"' for rel, number in links)
        return result

    def _absolute(self, answer: Any) -> Any:
        """A report's URLs as Canvas gives them: absolute, on the instance's host."""
        if isinstance(answer, dict) and answer.get("report"):
            answer = {**answer}
            if answer.get("file_url"):
                answer["file_url"] = self.base_url + answer["file_url"]
            if isinstance(answer.get("attachment"), dict):
                attachment = answer["attachment"]
                answer["attachment"] = {**attachment, "url": self.base_url + attachment["url"]}
        return answer

    def _url(self, path: str, query: Query, page: int, per_page: int) -> str:
        pairs = [(k, v) for k, values in query.items() if k not in ("page", "per_page")
                 for v in values]
        pairs += [("page", str(page)), ("per_page", str(per_page))]
        return f"{self.base_url}{path}?{urlencode(pairs)}"

    def _json(self, status: int, payload: Any) -> Result:
        body = json.dumps(payload).encode("utf-8")
        return status, self._limits(self.rate_limit_remaining, "application/json"), body

    @staticmethod
    def _limits(remaining: float, content_type: str) -> dict[str, str]:
        return {"Content-Type": f"{content_type}; charset=utf-8",
                "X-Rate-Limit-Remaining": f"{remaining:.1f}", "X-Request-Cost": "1.0"}
