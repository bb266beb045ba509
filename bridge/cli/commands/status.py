"""`bridge status`: connectors, streams, queues and the daemon at a glance."""

from __future__ import annotations

from typing import Any

import click

from bridge.cli.app import App
from bridge.cli.options import json_option
from bridge.cli.render import emit_json, out, table
from bridge.services.status import collect_status
from bridge.settings.durations import format_duration


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
            f"[bold]{name}[/]: last run "
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
            ("stream", "bookmark", "age (s)", "due at", "last reconciliation"),
            [
                (s, v["bookmark"], v["age_s"], v["due_at"], _listing(v["listing"]))
                for s, v in connector["streams"].items()
            ],
        )
        for stream, values in connector["streams"].items():
            listing = values["listing"]
            if listing and listing["note"]:
                out.print(f"{stream}: {listing['note']}", markup=False)
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
    limit = format_duration(app.settings.daemon.lms_request_overdue)
    for wait in push["overdue"]:
        hours = (wait["waiting_s"] or 0) / 3600
        out.print(
            f"[bold red]overdue[/]: push {wait['id']} in {wait['connector']} has waited "
            f"{hours:.0f} h (more than {limit}): {wait['note']}"
        )


def _listing(listing: dict[str, Any] | None) -> str:
    return f"{listing['state']} (run {listing['run_id']})" if listing else ""


def register(cli: click.Group) -> None:
    cli.add_command(status)
