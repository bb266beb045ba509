"""`bridge request open|list|close|reject|extend`: the register of data-subject requests and their
deadlines (GDPR art. 12(3))."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from bridge.cli.app import App
from bridge.cli.options import (
    DATE,
    ROW_ID,
    email_option,
    json_option,
    person_option,
)
from bridge.cli.render import emit_json, show, table
from bridge.clock import register_today
from bridge.services.register.lookup import optional_person
from bridge.services.rights import lms_requests
from bridge.services.rights import requests as request_service


@click.group("request")
def request_group() -> None:
    """The register of data-subject requests and their deadlines (GDPR art. 12(3))."""


def _request_line(row: dict[str, Any]) -> str:
    return (
        f"request {row['id']} ({row['type']}, person {row['person_id']}): due {row['due']}"
        f" ({row['days_left']} day(s) left), {row['status']}"
    )


@request_group.command("open")
@person_option
@email_option
@click.option(
    "--type",
    "type_",
    required=True,
    type=click.Choice(request_service.REQUEST_TYPES),
    help="What the person asks for.",
)
@click.option(
    "--received", type=DATE, help="Date the request arrived (default: today)."
)
@click.option(
    "--channel",
    type=click.Choice(request_service.REQUEST_CHANNELS),
    help="How the request arrived.",
)
@click.option(
    "--note", help="Anything the handler should know (no more personal data than needed)."
)
@json_option
@click.pass_obj
def request_open(
    app: App,
    person_id: int | None,
    email: str | None,
    type_: str,
    received: date | None,
    channel: str | None,
    note: str | None,
    as_json: bool,
) -> None:
    """Record a request; its deadline is one calendar month from receipt."""
    today = register_today()  # the register's calendar, as a received day is
    with app.unit_of_work("requests") as work:
        request = request_service.open_request(
            work.session,
            work.actor,
            person=optional_person(work.session, person_id, email),
            type_=type_,
            received_on=received or today,
            channel=channel,
            note=note,
            today=today,
        )
        row = request_service.as_dict(request, today)
    show(row, as_json, _request_line(row))


@request_group.command("list")
@click.option("--overdue", is_flag=True, help="Only open requests past their deadline.")
@click.option("--all", "include_closed", is_flag=True, help="Closed requests too.")
@person_option
@json_option
@click.pass_obj
def request_list(
    app: App, overdue: bool, include_closed: bool, person_id: int | None, as_json: bool
) -> None:
    """List requests, the soonest deadline first (open ones unless --all)."""
    today = register_today()  # the register's calendar, as a received day is
    with app.unit_of_work("requests") as work:
        rows = [
            request_service.as_dict(r, today)
            for r in request_service.list_for_operator(
                work.session,
                work.actor,
                today,
                overdue=overdue,
                include_closed=include_closed,
                person_id=person_id,
            )
        ]
    if as_json:
        emit_json({"requests": rows})
        return
    table(
        f"{len(rows)} request(s)",
        ("id", "person", "type", "channel", "received", "due", "days left", "status", "source"),
        [
            (
                r["id"],
                r["person_id"],
                r["type"],
                r["channel"],
                r["received_on"],
                f"{r['due']}{' (extended)' if r['extended_deadline'] else ''}",
                "OVERDUE" if r["overdue"] else r["days_left"],
                r["status"],
                r["source"] or "",
            )
            for r in rows
        ],
    )


@request_group.command("close")
@click.argument("request_id", type=ROW_ID)
@click.option("--outcome", required=True, help="What was done (or why it was refused).")
@json_option
@click.pass_obj
def request_close(app: App, request_id: int, outcome: str, as_json: bool) -> None:
    """Close a request with its outcome."""
    with app.unit_of_work("requests") as work:
        row = request_service.as_dict(
            request_service.close(work.session, work.actor, request_id, outcome=outcome)
        )
    show(row, as_json, f"request {request_id} closed")


@request_group.command("reject")
@click.argument("request_id", type=ROW_ID)
@click.option("--reason", required=True, help="Why it is refused (told to the person).")
@json_option
@click.pass_obj
def request_reject(app: App, request_id: int, reason: str, as_json: bool) -> None:
    """Refuse a request with its reason; one the person filed in an LMS is rejected there
    too (through the push outbox)."""
    with app.unit_of_work("requests") as work:
        row = request_service.as_dict(
            lms_requests.reject(work.session, app.settings, work.actor, request_id, reason=reason)
        )
    lms = f"; LMS data request {row['lms_request_id']} is rejected at the next push run"
    show(row, as_json, f"request {request_id} rejected{lms if row['lms_request_id'] else ''}")


@request_group.command("extend")
@click.argument("request_id", type=ROW_ID)
@click.option("--reason", required=True, help="Why more time is needed (told to the person).")
@json_option
@click.pass_obj
def request_extend(app: App, request_id: int, reason: str, as_json: bool) -> None:
    """Extend the deadline by two further months (once)."""
    with app.unit_of_work("requests") as work:
        row = request_service.as_dict(
            request_service.extend(work.session, work.actor, request_id, reason=reason)
        )
    show(row, as_json, f"request {request_id} now due {row['due']}")


def register(cli: click.Group) -> None:
    cli.add_command(request_group)
