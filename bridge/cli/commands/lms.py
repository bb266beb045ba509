"""`bridge lms unlink`: the register's view of LMS accounts, and the undo for a wrong
e-mail match."""

from __future__ import annotations

import click

from bridge.cli.app import App
from bridge.cli.options import json_option
from bridge.cli.render import emit_json, out
from bridge.services.register import merge


@click.group("lms")
def lms() -> None:
    """The register's view of LMS accounts."""


@lms.command("unlink")
@click.option("--person", "ref", required=True, help="The person (id or e-mail).")
@click.option("--connector", required=True, help="The connector of the account.")
@json_option
@click.pass_obj
def lms_unlink(app: App, ref: str, connector: str, as_json: bool) -> None:
    """Undo a wrong e-mail match: the account gets a person of its own (merge it into the
    right person with `bridge person merge`)."""
    with app.unit_of_work("register") as work:
        result = merge.unlink_lms(work.session, work.actor, ref, connector)
    if as_json:
        emit_json(result)
        return
    for item in result["unlinked"]:
        out.print(
            f"{connector} user {item['lms_user_id']} unlinked from person "
            f"{result['person_id']}; it is now person {item['new_person_id']}"
        )


def register(cli: click.Group) -> None:
    existing = cli.commands.get("lms")
    if isinstance(existing, click.Group):  # another part may own `bridge lms`
        existing.add_command(lms_unlink)
    else:
        cli.add_command(lms)
