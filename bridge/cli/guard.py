"""Role checks on commands that run a service job with transactions of its own (sync, push
run, import, check, daemon). Commands that read or change personal data check the role in
their unit of work instead (``App.unit_of_work``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def requires(permission: str) -> Callable[[F], F]:
    """Refuse the command (exit 4, audited) unless the operator's role has ``permission``."""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def checked(*args: Any, **kwargs: Any) -> Any:
            click.get_current_context().obj.authorise(permission)
            return command(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate
