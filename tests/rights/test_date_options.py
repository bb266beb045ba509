"""Every date the bridge takes on its command line is written as the import files write
it, ``31.1.2026`` (also ``03.12.2026``) or ``2026-01-31``, and a wrong one gets one line
naming the option and both forms."""

from __future__ import annotations

import click
import pytest

from bridge.cli.examples import walk
from bridge.cli.main import cli
from bridge.cli.options import DateType
from tests.rights.conftest import Register, organisation, person

#: Option names that take a day or a moment, wherever they appear.
DATE_NAMES = {"received", "until", "start", "end", "date", "day", "since", "before", "after"}

OPTIONS = [
    (f"bridge {path} {param.opts[0]}", param)
    for path, command in walk(cli)
    for param in command.params
    if isinstance(param, click.Option)
]


def test_no_option_uses_clicks_own_date_type() -> None:
    """Click's ``DateTime`` takes one fixed format: a new option must use ``DATE``."""
    assert [name for name, param in OPTIONS if isinstance(param.type, click.DateTime)] == []


def test_every_date_option_takes_both_forms() -> None:
    untyped = [
        name for name, param in OPTIONS
        if (param.name in DATE_NAMES or param.opts[0].lstrip("-") in DATE_NAMES)
        and not param.is_flag and not isinstance(param.type, DateType)
    ]
    assert untyped == []


@pytest.mark.parametrize("typed", ["3.12.2025", "03.12.2025", "2025-12-03"])
def test_a_request_received_in_either_form(register: Register, typed: str) -> None:
    opened = register.json("request", "open", "--type", "erasure", "--received", typed)
    assert opened["received_on"] == "2025-12-03"


def test_a_hold_until_a_finnish_date(register: Register) -> None:
    register.add(person(1))
    added = register.json("hold", "add", "--person", "1", "--category", "invoicing",
                          "--until", "31.12.2040", "--reason", "Accounting Act")
    assert added["until"] == "2040-12-31"


@pytest.mark.parametrize(
    "command",
    [
        ("request", "open", "--type", "access", "--received", "31.13.2025"),
        ("hold", "add", "--person", "1", "--category", "invoicing", "--until", "31.13.2025",
         "--reason", "x"),
        ("relationship", "add", "--person", "1", "--kind", "contract", "--start", "31.13.2025"),
        ("relationship", "end", "--org", "0104505-9", "--date", "31.13.2025"),
        ("audit", "list", "--since", "31.13.2025"),
    ],
    ids=lambda command: f"{command[0]} {command[1]}",
)
def test_a_wrong_date_is_one_line_naming_the_option_and_both_forms(
    register: Register, command: tuple[str, ...]
) -> None:
    register.add(person(1), organisation(1))
    option = next(word for word in command if word.startswith("--") and word not in (
        "--type", "--person", "--category", "--kind", "--org", "--reason"))
    outcome = register.bridge(*command)
    assert outcome.exit_code == 2
    assert outcome.stderr.strip().splitlines() == [
        f"error: {option}: not a date: '31.13.2025' (write 31.1.2026 or 2026-01-31)"
    ]
