"""`bridge quarantine list`: LMS records a sync set aside because they failed validation, and
why."""

from __future__ import annotations

import click

from bridge.cli.app import App
from bridge.cli.options import json_option
from bridge.cli.render import emit_json, table
from bridge.services.sync.quarantine import list_quarantine


@click.group("quarantine")
def quarantine() -> None:
    """LMS records set aside because they failed validation."""


@quarantine.command("list")
@click.option("--connector", help="Only this connector.")
@json_option
@click.pass_obj
def quarantine_list(app: App, connector: str | None, as_json: bool) -> None:
    """Show quarantined records and why they were set aside."""
    with app.unit_of_work("quarantine") as work:
        items = list_quarantine(work.session, connector)
    if as_json:
        emit_json({"quarantined": items})
        return
    table(
        f"{len(items)} quarantined record(s)",
        ("id", "connector", "stream", "LMS id", "reason", "run", "when"),
        [
            (
                i["id"],
                i["connector"],
                i["stream"],
                i["lms_id"],
                i["reason"],
                i["run_id"],
                i["created_at"],
            )
            for i in items
        ],
    )


def register(cli: click.Group) -> None:
    cli.add_command(quarantine)
