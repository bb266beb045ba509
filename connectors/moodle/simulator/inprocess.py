"""The simulator without sockets: mounted on a ``responses.RequestsMock``.

Requests made with ``requests`` to ``url`` are answered by the simulator in
the same process. Faults without an answer become the exceptions ``requests``
would raise: a stall is a ``ReadTimeout`` at once (no waiting in unit tests),
a reset a ``ConnectionError``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from connectors.moodle.simulator.faults import InjectedFault
from connectors.moodle.simulator.simulated import SimulatedMoodle

if TYPE_CHECKING:
    import responses


def mount(sim: SimulatedMoodle, rsps: responses.RequestsMock,
          url: str = "https://moodle.test", methods: tuple[str, ...] = ("POST",)) -> None:
    """Answer requests under ``url`` with ``sim``.

    Only POST by default (the bridge's client sends everything in the body):
    a ``RequestsMock`` asserting that all registered responses fire would
    otherwise fail on an unused GET. Pass ``methods=("GET", "POST")`` for both.
    """
    base = url.rstrip("/")
    prefix = urlsplit(base).path
    sim.set_wwwroot(base)

    def callback(request: requests.PreparedRequest) -> tuple[int, list[tuple[str, str]], bytes]:
        target = urlsplit(request.url or "")
        path = target.path[len(prefix):] if target.path.startswith(prefix) else target.path
        if target.query:
            path = f"{path}?{target.query}"
        body: Any = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        try:
            status, headers, payload = sim.handle(request.method or "GET", path,
                                                  dict(request.headers), body)
        except InjectedFault as fault:
            if fault.kind == "timeout":
                raise requests.exceptions.ReadTimeout(
                    f"simulated: no answer within the client's timeout ({fault.delay}s stall)",
                    request=request) from None
            raise requests.exceptions.ConnectionError(
                "simulated: connection reset by peer", request=request) from None
        return status, list(headers.items()), payload

    pattern = re.compile(re.escape(base) + r"(/.*)?$")
    for method in methods:
        rsps.add_callback(method, pattern, callback=callback, content_type=None)
