"""What every connector kind does the same way: a ``[connectors.NAME]`` section read into
the kind's config (the register's general keys read alike, the kind's own keys picked by
its settings model), and a push command dispatched to the kind's action for it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, Field, SecretStr

from connectors.base import (
    STREAM_NAMES,
    ConnectorError,
    LmsSettings,
    PushCommand,
    PushResult,
    StreamName,
    Unreachable,
)

Config = TypeVar("Config", bound=BaseModel)


class GeneralConfig(LmsSettings):
    """The register's general keys as every kind's config has them; a kind's config is its
    settings model and this (``class XConfig(XSettings, GeneralConfig)``) plus what differs."""

    url: str
    token: SecretStr
    timeout_s: float = Field(30.0, description="Timeout of one request, in seconds.")
    #: Streams that are enabled for this site.
    streams: tuple[StreamName, ...] = STREAM_NAMES
    #: How consent withdrawal revokes access.
    revoke_access: str = "suspend"
    #: Retries of transient failures before giving up on one request.
    max_retries: int = 5
    #: Upper bound for one backoff wait (seconds), including Retry-After.
    max_backoff_s: float = 60.0


def general_options(options: Mapping[str, Any], token: SecretStr) -> dict[str, Any]:
    """The general keys every kind's config has (None: left to the config's default)."""
    timeout = options.get("timeout", 30.0)
    return {
        "url": str(options["url"]).rstrip("/"),
        "token": token,
        "timeout_s": timeout.total_seconds() if isinstance(timeout, timedelta) else timeout,
        "streams": tuple(options.get("streams") or ()) or None,
        "revoke_access": options.get("revoke_access"),
        "erasure": options.get("erasure"),
    }


def build_config(config: type[Config], settings: type[BaseModel],
                 options: Mapping[str, Any], general: Mapping[str, Any]) -> Config:
    """``config`` from the ``general`` values given and the kind's own keys (``settings``)."""
    own = {key: options[key] for key in settings.model_fields if key in options}
    return config(**{k: v for k, v in general.items() if v is not None}, **own)


class _Client(Protocol):
    @property
    def request_count(self) -> int: ...

    def give_up_quickly_when_unreachable(self) -> None: ...


class ClientHooks:
    """A connector's statistics and patience that are its HTTP client's (put before
    :class:`~connectors.base.Connector` in the bases)."""

    _client: _Client

    @property
    def request_count(self) -> int:
        return self._client.request_count

    def give_up_quickly_when_unreachable(self) -> None:
        self._client.give_up_quickly_when_unreachable()


def dispatch_push(
    actions: Mapping[str, Callable[[PushCommand], PushResult]],
    command: PushCommand,
    lms: str,
    *,
    fix_for: Callable[[ConnectorError], str | None] = lambda exc: None,
    unexpected: tuple[type[Exception], ...] = (ValueError,),
) -> PushResult:
    """Run ``command``'s action: a connector error fails or defers the command (``fix_for``
    may name a more precise fix), an ``unexpected`` answer from ``lms`` fails it, and an
    unreachable LMS is raised, for the worker says it once per connector."""
    action = actions.get(command.action)
    if action is None:
        return PushResult.terminal_error(f"unknown push action {command.action!r}")
    try:
        return action(command)
    except Unreachable:
        raise
    except ConnectorError as exc:
        return PushResult.from_error(exc, fix_for(exc))
    except unexpected as exc:
        return PushResult.terminal_error(f"unexpected answer from {lms}: {exc}")
