"""`bridge suppression lift`: erased persons' identifiers that a sync never re-imports
(CONTRACTS 10), and the one way back for a returning customer."""

from __future__ import annotations

import click

from bridge.cli.app import App
from bridge.cli.render import out
from bridge.errors import OperationFailed
from bridge.services.access import suppression


@click.group("suppression")
def suppression_group() -> None:
    """Erased persons' identifiers that a sync never re-imports (CONTRACTS 10)."""


@suppression_group.command("lift")
@click.option("--email", required=True, help="The returning customer's e-mail address.")
@click.option("--evidence", required=True, help="Why the person may come back.")
@click.pass_obj
def suppression_lift(app: App, email: str, evidence: str) -> None:
    """Let a returning customer back in."""
    with app.unit_of_work("subject") as work:
        lifted = suppression.lift(
            work.session, app.settings, work.actor, email=email, evidence=evidence
        )
    # Outside the unit: the attempt stays in the audit trail even when nothing was lifted.
    if not lifted:
        raise OperationFailed("that e-mail is not on the suppression list")
    out.print("suppression lifted")


def register(cli: click.Group) -> None:
    cli.add_command(suppression_group)
