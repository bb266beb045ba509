"""Options several commands share, defined once so they read and behave the same."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from bridge.errors import UsageError
from bridge.services.register import values
from bridge.services.register.lookup import MAX_ROW_ID
from bridge.settings.connector_kinds import simulator_of
from bridge.settings.connector_section import DEFAULT_KIND
from connectors.simulation import LmsSimulator

#: A row id typed on the command line: positive and 64-bit (larger ones name no row, and
#: the database drivers refuse them with a traceback).
ROW_ID = click.IntRange(1, MAX_ROW_ID)

F = Callable[..., Any]

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (one object, the last stdout line)."
)
person_option = click.option(
    "--person", "person_id", type=ROW_ID, help="The person's register id."
)
email_option = click.option("--email", help="The person's e-mail address.")
request_option = click.option(
    "--request", "request_id", type=ROW_ID, help="The data-subject request this executes."
)
limit_option = click.option(
    "--limit",
    type=click.IntRange(1, 100_000),
    default=100,
    show_default=True,
    help="At most this many rows.",
)


def out_option(help_text: str) -> Callable[[F], F]:
    """The required ``--out FILE`` of a command that writes a private file (``target``)."""
    return click.option(
        "--out",
        "target",
        required=True,
        type=click.Path(path_type=Path, dir_okay=False),
        help=help_text,
    )


class DateType(click.ParamType):
    """A date option: ``31.1.2026`` (also ``03.12.2026``) or ``2026-01-31``, read by the
    same parser as the import files' date columns, so every date the bridge takes is
    written the same way and a wrong one gets the same line, naming the option (a
    :class:`UsageError`, not Click's usage block)."""

    name = "date"

    def __init__(
        self,
        parse: Callable[[str], date | datetime] = values.parse_date,
        metavar: str = "D.M.YYYY|YYYY-MM-DD",
    ) -> None:
        self.parse, self.metavar = parse, metavar

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return self.metavar

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, date):  # a default, or a value converted once already
            return value
        if not str(value).strip():  # empty text: not given (``--end ""`` = open-ended)
            return None
        try:
            return self.parse(str(value))
        except ValueError as exc:
            option = param.opts[0] if param is not None and param.opts else "date"
            raise UsageError(f"{option}: {exc}") from None


#: A calendar date, as operators type it in ``--received``, ``--until``, ``--start`` …
DATE = DateType()
#: A point in time: a date, or a date and a time (Finnish time unless an offset is given).
MOMENT = DateType(values.parse_moment, "D.M.YYYY[ HH:MM]|YYYY-MM-DD[THH:MM]")


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


def known_connector(name: str, configured: Iterable[str]) -> str:
    """``name`` if it is a configured connector; otherwise a usage error that lists the
    configured ones and, for a near miss, the one probably meant."""
    names = list(configured)
    if name in names:
        return name
    shown = name.encode("unicode_escape").decode("ascii")[:60]
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(names) or "none ([connectors.NAME] in the config file)"
    raise UsageError(f"--connector: no connector named {shown!r} (configured: {listed}){hint}")


def _simulated_lms(ctx: click.Context, param: click.Parameter, kind: str) -> LmsSimulator:
    try:
        simulator = simulator_of(kind)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
    ctx.meta["lms_kind"] = kind
    return simulator


def lms_kind(ctx: click.Context) -> str:
    """The connector kind ``--lms`` named (the option hands the command its simulator)."""
    return str(ctx.meta["lms_kind"])


#: ``--lms KIND``: which installed connector kind's simulated LMS a command serves; the
#: command receives the kind's :class:`LmsSimulator`.
lms_option = click.option(
    "--lms",
    "simulator",
    default=DEFAULT_KIND,
    show_default=True,
    metavar="KIND",
    callback=_simulated_lms,
    help="Which LMS to simulate: an installed connector kind that offers a simulator.",
)
