"""Options several commands share, defined once so they read and behave the same."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from sqlalchemy.orm import Session

from bridge.registry.models import Person
from bridge.registry.queries import find_person

F = Callable[..., Any]

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (one object, the last stdout line)."
)
person_option = click.option("--person", "person_id", type=int, help="The person's register id.")
email_option = click.option("--email", help="The person's e-mail address.")
request_option = click.option(
    "--request", "request_id", type=int, help="The data-subject request this executes."
)
limit_option = click.option(
    "--limit",
    type=click.IntRange(1, 100_000),
    default=100,
    show_default=True,
    help="At most this many rows.",
)
#: A calendar date as operators type it in options such as ``--received`` and ``--until``.
DATE = click.DateTime(["%Y-%m-%d"])


def optional_person(session: Session, person_id: int | None, email: str | None) -> Person | None:
    """The person ``--person``/``--email`` name, or None when neither was given."""
    if person_id is None and email is None:
        return None
    return find_person(session, person_id=person_id, email=email)


def field_options(names: tuple[str, ...]) -> Callable[[F], F]:
    """One ``--first-name``-style option per register field (empty text clears a field)."""

    def decorate(command: F) -> F:
        for name in reversed(names):
            label = name.replace("_", " ")
            command = click.option(
                f"--{name.replace('_', '-')}",
                name,
                default=None,
                help=f"The person's {label} (empty text clears it).",
            )(command)
        return command

    return decorate


def given_fields(options: dict[str, Any], names: tuple[str, ...]) -> dict[str, str | None]:
    """Take the field options out of a command's keyword arguments."""
    return {name: options.pop(name) for name in names}
