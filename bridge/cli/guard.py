"""Role checks on commands: one decorator, so every command is checked the same way."""

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
            ctx = click.get_current_context()
            action = " ".join(ctx.command_path.split()[1:])  # "bridge quarantine list" → …
            ctx.obj.authorise(permission, action)
            return command(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate
