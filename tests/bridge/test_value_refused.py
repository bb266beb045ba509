"""A value that gets past the field checks and that the database refuses ends the command
with exit 2 and one line naming only the kind of refusal: the database's own message and
parameters quote the row, which is personal data."""

from __future__ import annotations

import click
from click.testing import CliRunner
from sqlalchemy.exc import DataError

from bridge.cli.main import BridgeGroup


class StringDataRightTruncation(Exception):
    """Stands in for the driver's error (psycopg names its refusals like this)."""


@click.group(cls=BridgeGroup)
def bridge() -> None:
    """A `bridge` group with one command whose write the database refuses."""


@bridge.command("write")
def write() -> None:
    raise DataError(
        "UPDATE persons SET last_name=%(last_name)s",
        {"last_name": "Virtanen" * 40},
        StringDataRightTruncation("value too long for type character varying(200)"),
    )


def test_a_refused_value_exits_2_without_quoting_the_row() -> None:
    result = CliRunner().invoke(bridge, ["write"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: the database refused a value (StringDataRightTruncation); nothing was changed\n"
    )
    assert "Virtanen" not in result.output and "varying" not in result.output
