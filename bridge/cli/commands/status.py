"""`bridge status`: connectors, streams, queues and the daemon at a glance."""

from __future__ import annotations

import click

from bridge.cli.app import App
from bridge.cli.options import json_option
from bridge.cli.render import emit_json, out, table
from bridge.services.status import collect_status


@click.command("status")
@json_option
@click.pass_obj
def status(app: App, as_json: bool) -> None:
    """Show the last runs, bookmarks, leases, queues and the daemon heartbeat."""
    with app.unit_of_work("status") as work:
        state = collect_status(app.settings, work.session)
    if as_json:
        emit_json(state)
        return
    for name, connector in state["connectors"].items():
        run = connector["last_run"]
        lease = connector["lease"]
        out.print(
            f"{name}: last run "
            + (
                f"{run['id']} {run['status']} at {run['started_at']} ({run['duration_s']} s)"
                if run
                else "never"
            )
            + f"; lease {'held by ' + lease['holder'] if lease else 'free'}"
            + f"; quarantined {connector['quarantined']}"
        )
        table(
            f"{name} streams",
            ("stream", "bookmark", "age (s)", "due at"),
            [(s, v["bookmark"], v["age_s"], v["due_at"]) for s, v in connector["streams"].items()],
        )
    push, requests, daemon = state["push"], state["requests"], state["daemon"]
    out.print(
        f"push queue: {push['pending']} pending, {push['failed']} failed; "
        f"requests: {requests['open']} open, {requests['overdue']} overdue; daemon: "
        + (
            "never seen"
            if daemon is None
            else f"{'alive' if daemon['alive'] else 'stale'} (heartbeat {daemon['heartbeat_at']})"
        )
    )


def register(cli: click.Group) -> None:
    cli.add_command(status)
