"""The Canvas connector: Canvas's REST API behind the same interface as Moodle's.

Streams are declared in :mod:`connectors.canvas.streams`, pushes carried out and read
back in :mod:`connectors.canvas.push`, ``bridge check`` in :mod:`connectors.canvas.checks`.
Every endpoint it calls is listed in :mod:`connectors.canvas.endpoints`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

import requests
from pydantic import SecretStr

from connectors.base import (
    CheckReport,
    Connector,
    LmsState,
    PushCommand,
    PushResult,
    TerminalError,
)
from connectors.canvas import endpoints as ep
from connectors.canvas.checks import diagnose
from connectors.canvas.client import CanvasClient
from connectors.canvas.config import CanvasConfig, CanvasSettings
from connectors.canvas.push import NO_REQUESTS, CanvasPush
from connectors.canvas.streams import STREAMS, CanvasContext
from connectors.common import ClientHooks, dispatch_push
from connectors.records import Batch, Bookmark
from connectors.simulation import LmsSimulator
from connectors.streams import run_stream


class CanvasConnector(ClientHooks, Connector):
    """One Canvas account, reached through its REST API with one access token."""

    streams = tuple(STREAMS)
    settings_model = CanvasSettings

    def __init__(self, config: CanvasConfig, *, session: requests.Session | None = None,
                 stop_event: threading.Event | None = None) -> None:
        self.config = config
        self._client = CanvasClient(config, session=session, stop_event=stop_event)
        self._push = CanvasPush(self._client, config)
        self._self_id: int | None = None
        self._actions: dict[str, Callable[[PushCommand], PushResult]] = {
            "suspend": lambda c: self._push.set_suspended(c, True),
            "unsuspend": lambda c: self._push.set_suspended(c, False),
            "unenrol": self._push.unenrol,
            "delete_user": self._push.delete_user,
            "rectify": self._push.rectify,
            "privacy_delete": _no_requests,
            "approve_request": _no_requests,
            "deny_request": _no_requests,
        }

    @classmethod
    def from_options(cls, options: Mapping[str, Any], token: SecretStr, *,
                     stop_event: threading.Event | None = None) -> CanvasConnector:
        return cls(CanvasConfig.from_options(options, token), stop_event=stop_event)

    @classmethod
    def simulator(cls) -> LmsSimulator:
        from connectors.canvas.simulator.kit import CanvasSimulator  # only when asked for

        return CanvasSimulator()

    def __repr__(self) -> str:
        return f"CanvasConnector({self.config.url!r})"

    @property
    def self_id(self) -> int:
        """The token's own user (never a person), read once per connector."""
        if self._self_id is None:
            me = self._client.get(ep.SELF)
            if not isinstance(me, Mapping) or not isinstance(me.get("id"), int):
                raise TerminalError(f"{ep.SELF.path}: unexpected answer")
            self._self_id = int(me["id"])
        return self._self_id

    def prove_access(self) -> None:
        self.self_id  # noqa: B018 - GET /api/v1/users/self, kept for the run's streams

    def close(self) -> None:
        self._client.close()

    def check(self) -> CheckReport:
        return diagnose(self._client, self.config)

    def pull(self, stream: str, bookmark: Bookmark | None) -> Iterator[Batch]:
        spec = STREAMS.get(stream)
        if spec is None:
            raise TerminalError(f"unknown stream {stream!r}", fix=f"Use one of {self.streams}.")
        yield from run_stream(spec, CanvasContext(self._client, self.config, self.self_id),
                              bookmark)

    def push(self, command: PushCommand) -> PushResult:
        return dispatch_push(self._actions, command, "Canvas",
                             unexpected=(ValueError, KeyError, TypeError))

    def read_state(self, lms_user_id: int) -> LmsState:
        state = self._push.state(lms_user_id)
        if not state.exists:
            return state
        courses = self._push.active_courses(lms_user_id)
        return LmsState(lms_user_id, True, state.suspended, courses)

    def existing_users(self, lms_user_ids: Collection[int]) -> set[int]:
        return {u for u in lms_user_ids if self._push.user(u) is not None}


def _no_requests(_command: PushCommand) -> PushResult:
    """Moodle's privacy-request actions: Canvas has no such workflow."""
    return PushResult.terminal_error(NO_REQUESTS)
