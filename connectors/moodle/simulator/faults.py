"""Seeded, reproducible transport faults: what a flaky Moodle and its proxy do.

Whether a request is faulted depends only on the seed, the request itself and
how many times that same request was seen before, so a run is reproducible
even when requests interleave, and a retried request gets a fresh roll. The
decision is taken before the request is handled: a faulted write never takes
effect, so a retry is always safe to compare against the first attempt.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass, field

from connectors.moodle.simulator.protocol import Response, html_page

#: ``unavailable``: 503 with ``Retry-After: 1``; ``timeout``: a stall longer than
#: the client's timeout; ``reset``: the connection is closed without an answer;
#: ``error500``: a PHP fatal error page.
FAULT_KINDS: tuple[str, ...] = ("unavailable", "timeout", "reset", "error500")


class InjectedFault(Exception):
    """A fault the front end must act out (stall or drop the connection)."""

    def __init__(self, kind: str, delay: float) -> None:
        super().__init__(kind)
        self.kind = kind
        self.delay = delay


@dataclass
class FaultInjector:
    rate: float = 0.0
    seed: int = 1
    kinds: tuple[str, ...] = FAULT_KINDS
    #: Seconds the ``timeout`` fault stalls before dropping the connection.
    delay: float = 5.0
    #: Every fault injected so far, as (request key, occurrence, kind).
    injected: list[tuple[str, int, str]] = field(default_factory=list)
    _seen: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(self, rate: float | None = None, kinds: list[str] | tuple[str, ...] | None = None,
                  delay: float | None = None, seed: int | None = None) -> None:
        unknown = set(kinds or ()) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        if rate is not None:
            if not 0.0 <= rate <= 1.0:
                raise ValueError("rate must be between 0 and 1")
            self.rate = rate
        if kinds:
            self.kinds = tuple(kinds)
        if delay is not None:
            self.delay = delay
        if seed is not None:
            self.seed = seed
        with self._lock:
            self._seen.clear()

    def decide(self, method: str, target: str, body: bytes) -> str | None:
        """The fault for this request, or ``None``; counts the request either way."""
        if self.rate <= 0:
            return None
        key = f"{method} {target} {hashlib.sha256(body).hexdigest()}"
        with self._lock:
            occurrence = self._seen[key]
            self._seen[key] += 1
        digest = hashlib.sha256(f"{self.seed}|{key}|{occurrence}".encode()).digest()
        if int.from_bytes(digest[:8], "big") / 2**64 >= self.rate:
            return None
        kind = self.kinds[int.from_bytes(digest[8:12], "big") % len(self.kinds)]
        with self._lock:
            self.injected.append((key, occurrence, kind))
        return kind

    def respond(self, kind: str) -> Response:
        """The answer of a faulted request; raises for faults without an answer."""
        if kind == "unavailable":
            return html_page(503, "Service Unavailable", {"Retry-After": "1"})
        if kind == "error500":
            return html_page(500, "Internal Server Error")
        raise InjectedFault(kind, self.delay)
