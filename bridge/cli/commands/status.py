"""`bridge status`: connectors, streams, queues and the daemon at a glance."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from bridge.cli.app import App
from bridge.cli.options import json_option
from bridge.cli.render import emit_json, markup_text, out, table
from bridge.errors import OperationFailed
from bridge.services.status import collect_status, problems
from bridge.settings.durations import format_duration

#: Integers from here on in a bookmark are Unix times (2001-09-09 onwards), shown as dates.
_EPOCH_FROM = 1_000_000_000


def _when(value: datetime | int | float) -> str:
    moment = (
        datetime.fromtimestamp(value, UTC) if isinstance(value, int | float) else value
    )
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _iso_text(value: str | None) -> str:
    return _when(datetime.fromisoformat(value.replace("Z", "+00:00"))) if value else ""


def bookmark_text(bookmark: Any) -> str:
    """A stream's bookmark as a person reads it: ``since 2026-11-30 14:05 UTC``."""
    if not bookmark:
        return ""
    if not isinstance(bookmark, dict):
        return str(bookmark)
    parts = []
    for key, value in bookmark.items():
        is_time = isinstance(value, int | float) and not isinstance(value, bool)
        shown = _when(value) if is_time and value >= _EPOCH_FROM else value
        parts.append(f"{key.replace('_', ' ')} {shown}")
    return ", ".join(parts)


def _age_text(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return f"{int(seconds)} s ago"


def _daemon_text(daemon: dict[str, Any] | None) -> str:
    if daemon is None:
        return "never seen"
    state = daemon.get("state") or ("running" if daemon["alive"] else "stale")
    return f"{state} (last heartbeat {_iso_text(daemon['heartbeat_at'])})"


@click.command(
    "status",
    epilog="Examples:\n\n  bridge status\n\n  bridge status --json | jq .push\n\n"
    "  bridge status --check",
)
@click.option(
    "--check",
    is_flag=True,
    help="Exit 1 while an alarm is open or a push is overdue (for monitoring).",
)
@json_option
@click.pass_obj
def status(app: App, check: bool, as_json: bool) -> None:
    """Show open alarms, the last runs, bookmarks, leases, queues and the daemon heartbeat."""
    with app.unit_of_work("status") as work:
        state = collect_status(app.settings, work.session)
    if as_json:
        emit_json(state)
    else:
        _say(app, state)
    if check and problems(state):
        raise OperationFailed("\n".join(problems(state)))


def _say_alarms(alarms: list[dict[str, Any]]) -> None:
    """Open alarms come first, in red: a withdrawal the LMS refused leaves people inside."""
    for alarm in alarms:
        out.print(
            f"[bold red]ALARM[/]: {alarm['people']} person(s) keep LMS access: "
            f"{alarm['pushes']} push(es) in {markup_text(alarm['connector'])} refused since "
            f"{_iso_text(alarm['opened_at'])}; fix: {markup_text(alarm['fix'])}; they run "
            "again by themselves once that works",
            markup=True,
        )


def _held(push: dict[str, Any]) -> str:
    held = sum(alarm["pushes"] for alarm in push["alarms"])
    return f" ({held} held by an alarm)" if held else ""


def _say(app: App, state: dict[str, Any]) -> None:
    _say_alarms(state["push"]["alarms"])
    for name, connector in state["connectors"].items():
        run = connector["last_run"]
        lease = connector["lease"]
        out.print(
            f"{name}: last run "
            + (
                f"{run['id']} {run['status']} at {_iso_text(run['started_at'])} "
                f"({run['duration_s']} s)"
                if run
                else "never"
            )
            + f"; lease {'held by ' + lease['holder'] if lease else 'free'}"
            + f"; quarantined {connector['quarantined']}"
            + f"; pushes {_pushes_text(connector['push'])}"
        )
        for stream, stats in (run["streams"] or {}).items() if run else ():
            if stats.get("status") == "failed":  # said, never left to look like an empty stream
                out.print(
                    f"[bold red]failed[/]: {markup_text(stream)} in run {run['id']}: "
                    f"{markup_text(stats.get('error') or 'no reason recorded')}",
                    markup=True,
                )
        table(
            f"{name} streams",
            ("stream", "bookmark", "last completed", "due at", "last reconciliation"),
            [
                (
                    s,
                    bookmark_text(v["bookmark"]),
                    _age_text(v["age_s"]),
                    _iso_text(v["due_at"]),
                    _listing(v["listing"]),
                )
                for s, v in connector["streams"].items()
            ],
        )
        for stream, values in connector["streams"].items():
            listing = values["listing"]
            if listing and listing["note"]:
                out.print(f"{stream}: {listing['note']}", markup=False)
    push, requests, daemon = state["push"], state["requests"], state["daemon"]
    out.print(
        f"push queue: {push['pending']} pending, {push['failed']} failed{_held(push)}; "
        f"requests: {requests['open']} open, {requests['overdue']} overdue; "
        f"daemon: {_daemon_text(daemon)}"
    )
    _say_erasures(state["erasures"])
    limit = format_duration(app.settings.daemon.lms_request_overdue)
    for wait in push["overdue"]:
        hours = (wait["waiting_s"] or 0) / 3600
        out.print(
            f"[bold red]overdue[/]: push {wait['id']} in {markup_text(wait['connector'])} has "
            f"waited {hours:.0f} h (more than {limit}): {markup_text(wait['note'])}",
            markup=True,
        )
    late = format_duration(app.settings.daemon.push_overdue)
    for item in push["late"]:
        out.print(
            f"[bold red]overdue[/]: push {item['id']} ({item['action']}) in "
            f"{markup_text(item['connector'])} still queued after more than {late}: "
            f"{markup_text(item['note'] or 'not tried yet: is the daemon running?')}",
            markup=True,
        )


def _say_erasures(erasures: dict[str, Any] | None) -> None:
    if erasures is None:
        return
    out.print(
        f"erasures: {erasures['awaiting_confirmation']} awaiting the LMS read-back, "
        f"{erasures['recently_confirmed']} confirmed in the last 7 days, "
        f"{erasures['unacknowledged']} confirmed and not yet taken on"
    )
    for item in erasures["confirmed"]:
        request = f" (request {item['request_id']})" if item["request_id"] else ""
        out.print(
            f"confirmed: erasure of person {item['person_id']}{request} at "
            f"{_iso_text(item['confirmed_at'])}: `bridge subject receipt --person "
            f"{item['person_id']}` issues the confirmed receipt",
            markup=False,
        )


def _pushes_text(push: dict[str, Any]) -> str:
    """One connector's pushes: how many the LMS carried out and showed on read-back."""
    last = f" (last {_iso_text(push['last_verified_at'])})" if push["last_verified_at"] else ""
    return (
        f"{push['verified']} verified{last}, {push['pending']} pending, {push['failed']} failed"
    )


def _listing(listing: dict[str, Any] | None) -> str:
    return f"{listing['state']} (run {listing['run_id']})" if listing else ""


def register(cli: click.Group) -> None:
    cli.add_command(status)
