"""``SimulatedMoodle``: one simulated site, its token, its faults and its controls."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from connectors.moodle.simulator.app import REST_PATH, MoodleApp
from connectors.moodle.simulator.control import Controls
from connectors.moodle.simulator.dataset import build_dataset
from connectors.moodle.simulator.faults import FAULT_KINDS, FaultInjector
from connectors.moodle.simulator.protocol import Response, encode_params
from connectors.moodle.simulator.state import SiteState


def default_token(seed: int) -> str:
    """A stable 32-hex token per seed, like the ones Moodle's token page shows."""
    return hashlib.sha256(f"lms-registry-bridge:{seed}".encode()).hexdigest()[:32]


class SimulatedMoodle(Controls):
    """A Moodle 4.5 site in memory, answering the REST protocol like the real one.

    ``size`` is a dataset of ``dataset.py`` (``tiny``, ``demo``, ``bench-10k``,
    ``bench-100k``, ``bench-real``) or ``sample-site``; ``faults`` the share of requests that
    fail at the transport level (see ``faults.py``). ``clock`` and ``now``
    make time injectable: ``now`` anchors the generated data, ``clock`` is what
    "now" is while serving.
    """

    def __init__(self, size: str = "tiny", seed: int = 1, faults: float = 0.0,
                 token: str | None = None, *, clock: Callable[[], float] | None = None,
                 now: int | None = None, fault_delay: float = 5.0,
                 fault_kinds: tuple[str, ...] = FAULT_KINDS) -> None:
        self.size, self.seed = size, seed
        self.state: SiteState = build_dataset(size, seed, now=now, clock=clock)
        self.token = token or default_token(seed)
        self.state.add_token(self.token, self.state.service_userid)
        self.faults = FaultInjector(rate=faults, seed=seed, kinds=fault_kinds, delay=fault_delay)
        self.app = MoodleApp(self.state, self.faults, self.dispatch)

    def handle(self, method: str, path: str, headers: Mapping[str, str] | None = None,
               body: bytes | None = b"") -> Response:
        """Answer one HTTP request: ``(status, headers, body)``."""
        return self.app.handle(method, path, headers or {}, body)

    def set_wwwroot(self, url: str) -> None:
        """The address the site is served at (used in profile and file URLs)."""
        self.state.config.wwwroot = url.rstrip("/")

    def call(self, function: str, token: str | None = None, **params: Any) -> Any:
        """Call a function over the in-process transport and decode its JSON answer.

        Errors come back as the ``{exception, errorcode, message}`` object, as
        over HTTP; transport faults are raised as ``InjectedFault`` or returned
        as HTML, so tests that use this usually run without faults.
        """
        fields = [("wstoken", token or self.token), ("wsfunction", function),
                  ("moodlewsrestformat", "json"), *encode_params(params)]
        response = self.handle("POST", REST_PATH,
                               {"Content-Type": "application/x-www-form-urlencoded"},
                               urlencode(fields).encode())
        return json.loads(response.body) if response.status == 200 else response
