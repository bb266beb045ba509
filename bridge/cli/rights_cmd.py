"""Data-subject rights and register governance: `bridge subject export|rectify`,
`bridge request`, `bridge marketing`, `bridge retention`, `bridge hold` (N4, N10, N11).

Permissions (``bridge.services.audit.PERMISSIONS``): subject export and rectify need
``subject``, requests ``requests``, marketing ``marketing``, holds and the retention plan
``holds`` (dpo, admin), the retention run ``retention`` (admin).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from bridge.cli.app import App
from bridge.cli.guard import requires
from bridge.cli.pushback_cmd import email_option, json_option, person_option, subject
from bridge.cli.render import emit_json, out, table
from bridge.errors import UsageError
from bridge.registry.base import utcnow
from bridge.registry.governance import REQUEST_CHANNELS, REQUEST_TYPES
from bridge.registry.models import Person
from bridge.registry.people import CHANNELS
from bridge.registry.queries import find_person, list_requests
from bridge.services.audit import record
from bridge.services.register.lookup import org_by_business_id
from bridge.services.rights import export as export_service
from bridge.services.rights import holds as hold_service
from bridge.services.rights import marketing as marketing_service
from bridge.services.rights import requests as request_service
from bridge.services.rights import retention as retention_service
from bridge.services.rights.rectify import parse_assignments, rectify

request_option = click.option(
    "--request", "request_id", type=int, help="The data-subject request this executes."
)
DATE = click.DateTime(["%Y-%m-%d"])


def _show(payload: dict[str, Any], as_json: bool, message: str) -> None:
    if as_json:
        emit_json(payload)
    else:
        out.print(message)


def _optional_person(session: Any, person_id: int | None, email: str | None) -> Person | None:
    if person_id is None and email is None:
        return None
    return find_person(session, person_id=person_id, email=email)


# ----------------------------------------------------------------------- subject


@subject.command("export")
@person_option
@email_option
@click.option(
    "--format", "fmt", type=click.Choice(export_service.FORMATS), default="json", show_default=True
)
@click.option(
    "--out",
    "target",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="File to write (created owner-read/write only, 0600).",
)
@request_option
@json_option
@click.pass_obj
@requires("subject")
def subject_export(
    app: App,
    person_id: int | None,
    email: str | None,
    fmt: str,
    target: Path,
    request_id: int | None,
    as_json: bool,
) -> None:
    """Write everything the register holds about the person (access, N11)."""
    with app.sessions() as session, session.begin():
        person = find_person(session, person_id=person_id, email=email)
        result = export_service.export(
            session, app.settings, app.actor, person, fmt=fmt, out=target, request_id=request_id
        )
    _show(
        result,
        as_json,
        f"export of person {result['person_id']} written to {result['path']} "
        f"({result['bytes']} bytes, {fmt}, mode 0600)",
    )


@subject.command("rectify")
@person_option
@email_option
@click.option(
    "--set",
    "assignments",
    multiple=True,
    required=True,
    metavar="FIELD=VALUE",
    help="A corrected value (repeatable); custom.SHORTNAME for LMS custom fields.",
)
@request_option
@json_option
@click.pass_obj
@requires("subject")
def subject_rectify(
    app: App,
    person_id: int | None,
    email: str | None,
    assignments: Sequence[str],
    request_id: int | None,
    as_json: bool,
) -> None:
    """Correct the person's data in the register and push it to every LMS account."""
    changes = parse_assignments(list(assignments))
    with app.sessions() as session, session.begin():
        person = find_person(session, person_id=person_id, email=email)
        result = rectify(session, app.settings, app.actor, person, changes, request_id=request_id)
    changed = (
        ", ".join(result["register"] + [f for f in result["lms"] if f not in result["register"]])
        or "nothing"
    )
    lines = [f"person {result['person_id']}: rectified {changed}"]
    lines += [f"  queued push {p['id']}: rectify in {p['connector']}" for p in result["pushes"]]
    _show(result, as_json, "\n".join(lines))


# ----------------------------------------------------------------------- requests


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
@click.option("--type", "type_", required=True, type=click.Choice(REQUEST_TYPES))
@click.option("--received", required=True, type=DATE, help="Date the request arrived.")
@click.option("--channel", type=click.Choice(REQUEST_CHANNELS))
@click.option(
    "--note", help="Anything the handler should know (no more personal data than needed)."
)
@json_option
@click.pass_obj
@requires("requests")
def request_open(
    app: App,
    person_id: int | None,
    email: str | None,
    type_: str,
    received: datetime,
    channel: str | None,
    note: str | None,
    as_json: bool,
) -> None:
    """Record a request; its deadline is one calendar month from receipt."""
    today = utcnow().date()
    with app.sessions() as session, session.begin():
        person = _optional_person(session, person_id, email)
        request = request_service.open_request(
            session,
            app.actor,
            person=person,
            type_=type_,
            received_on=received.date(),
            channel=channel,
            note=note,
            today=today,
        )
        row = request_service.as_dict(request, today)
    _show(row, as_json, _request_line(row))


@request_group.command("list")
@click.option("--overdue", is_flag=True, help="Only open requests past their deadline.")
@click.option("--all", "include_closed", is_flag=True, help="Closed requests too.")
@person_option
@json_option
@click.pass_obj
@requires("requests")
def request_list(
    app: App, overdue: bool, include_closed: bool, person_id: int | None, as_json: bool
) -> None:
    """List requests, the soonest deadline first (open ones unless --all)."""
    today = utcnow().date()
    with app.sessions() as session, session.begin():
        rows = [
            request_service.as_dict(r, today)
            for r in list_requests(
                session, today, overdue=overdue, include_closed=include_closed, person_id=person_id
            )
        ]
        record(
            session,
            app.actor,
            "request list",
            person_id=person_id,
            details={"count": len(rows), "overdue": overdue},
        )
    if as_json:
        emit_json({"requests": rows})
        return
    table(
        f"{len(rows)} request(s)",
        ("id", "person", "type", "channel", "received", "due", "days left", "status"),
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
            )
            for r in rows
        ],
    )


@request_group.command("close")
@click.argument("request_id", type=int)
@click.option("--outcome", required=True, help="What was done (or why it was refused).")
@json_option
@click.pass_obj
@requires("requests")
def request_close(app: App, request_id: int, outcome: str, as_json: bool) -> None:
    """Close a request with its outcome."""
    with app.sessions() as session, session.begin():
        row = request_service.as_dict(
            request_service.close(session, app.actor, request_id, outcome=outcome)
        )
    _show(row, as_json, f"request {request_id} closed")


@request_group.command("extend")
@click.argument("request_id", type=int)
@click.option("--reason", required=True, help="Why more time is needed (told to the person).")
@json_option
@click.pass_obj
@requires("requests")
def request_extend(app: App, request_id: int, reason: str, as_json: bool) -> None:
    """Extend the deadline by two further months (once)."""
    with app.sessions() as session, session.begin():
        row = request_service.as_dict(
            request_service.extend(session, app.actor, request_id, reason=reason)
        )
    _show(row, as_json, f"request {request_id} now due {row['due']}")


# ----------------------------------------------------------------------- marketing


@click.group("marketing")
def marketing_group() -> None:
    """Direct-marketing permissions and prohibitions per channel (N4, N11)."""


channel_option = click.option("--channel", required=True, type=click.Choice(CHANNELS))


def _permission_command(verb: str) -> None:
    @marketing_group.command(verb)
    @person_option
    @email_option
    @channel_option
    @click.option("--evidence", required=True, help="How the person said so (letter, form, …).")
    @json_option
    @click.pass_obj
    @requires("marketing")
    def command(
        app: App,
        person_id: int | None,
        email: str | None,
        channel: str,
        evidence: str,
        as_json: bool,
    ) -> None:
        with app.sessions() as session, session.begin():
            person = find_person(session, person_id=person_id, email=email)
            change = getattr(marketing_service, verb)(
                session, app.settings, app.actor, person, channel=channel, evidence=evidence
            )
        state = "recorded" if change.changed else "already recorded (nothing changed)"
        _show(
            change.as_dict(),
            as_json,
            f"{channel} marketing {change.permission} for person {change.person_id}: {state}",
        )

    command.__doc__ = (
        "Record the person's opt-in for a channel."
        if verb == "allow"
        else "Record the person's prohibition for a channel (it always wins)."
    )


_permission_command("allow")
_permission_command("deny")


@marketing_group.command("audience")
@channel_option
@json_option
@click.pass_obj
@requires("marketing")
def marketing_audience(app: App, channel: str, as_json: bool) -> None:
    """Who may be contacted on the channel now, and on what basis."""
    with app.sessions() as session, session.begin():
        members = marketing_service.audience(session, app.settings, app.actor, channel=channel)
    if as_json:
        emit_json({"channel": channel, "count": len(members), "audience": members})
        return
    table(
        f"{len(members)} person(s) may be contacted by {channel}",
        ("person", "name", "segment", "contact", "basis"),
        [(m["person_id"], m["name"], m["segment"], m["contact"], m["basis"]) for m in members],
    )


# ----------------------------------------------------------------------- retention


@click.group("retention")
def retention_group() -> None:
    """Retention periods per data category (N10): the plan and the run."""


def _plan_table(summary: dict[str, dict[str, Any]], title: str) -> None:
    table(
        title,
        ("category", "period", "counted from", "delete", "kept by hold"),
        [
            (name, c["period"], c["after"].replace("_", " "), c["delete"], c["kept"])
            for name, c in summary.items()
        ],
    )


@retention_group.command("plan")
@click.option("--details", is_flag=True, help="List every row, not only the counts.")
@json_option
@click.pass_obj
@requires("holds")
def retention_plan(app: App, details: bool, as_json: bool) -> None:
    """What a retention run would delete today and why, and what holds keep."""
    today = utcnow().date()
    with app.sessions() as session, session.begin():
        steps = retention_service.plan(session, app.settings, today)
        record(
            session,
            app.actor,
            "retention plan",
            details={"delete": steps.total, "kept": len(steps.kept)},
        )
    if as_json:
        emit_json(steps.as_dict())
        return
    _plan_table(steps.categories, f"retention plan for {today}: {steps.total} row(s) to delete")
    if details:
        for verb, items in (("delete", steps.delete), ("keep", steps.kept)):
            for item in items:
                kept = item.get("kept_by")
                why = f"kept by {kept}" if kept else item["reason"]
                out.print(
                    f"{verb} {item['table']} {item['id']} (person {item['person_id']}): {why}"
                )


@retention_group.command("run")
@click.option("--yes", is_flag=True, help="Delete without asking (required when not a terminal).")
@json_option
@click.pass_obj
@requires("retention")
def retention_run(app: App, yes: bool, as_json: bool) -> None:
    """Delete what the plan lists (audited, counted); holds are honoured."""
    if not yes:
        raise UsageError("retention deletes data for good: add --yes (`retention plan` previews)")
    with app.sessions() as session, session.begin():
        counts = retention_service.run(session, app.settings, app.actor, utcnow().date())
    _show(counts, as_json, "retention run: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


# ----------------------------------------------------------------------- holds


@click.group("hold")
def hold_group() -> None:
    """Legal holds that keep data beyond retention and erasure (N10)."""


@hold_group.command("add")
@person_option
@email_option
@click.option("--organisation", "business_id", help="The organisation's business ID.")
@click.option("--category", required=True, help="What is kept, e.g. invoicing, lms_data.")
@click.option("--until", required=True, type=DATE, help="Last day of the hold.")
@click.option("--reason", required=True, help="The legal ground.")
@json_option
@click.pass_obj
@requires("holds")
def hold_add(
    app: App,
    person_id: int | None,
    email: str | None,
    business_id: str | None,
    category: str,
    until: datetime,
    reason: str,
    as_json: bool,
) -> None:
    """Put a person's or an organisation's data of a category under a legal hold."""
    today = utcnow().date()
    with app.sessions() as session, session.begin():
        person = _optional_person(session, person_id, email)
        organisation = org_by_business_id(session, business_id) if business_id else None
        hold = hold_service.add_hold(
            session,
            app.settings,
            app.actor,
            person=person,
            organisation=organisation,
            category=category,
            until=until.date(),
            reason=reason,
            today=today,
        )
        row = hold_service.hold_dict(hold, today)
    _show(row, as_json, f"hold {row['id']} on {category} until {row['until']}")


@hold_group.command("list")
@click.option("--all", "include_expired", is_flag=True, help="Expired and lifted holds too.")
@json_option
@click.pass_obj
@requires("holds")
def hold_list(app: App, include_expired: bool, as_json: bool) -> None:
    """List legal holds."""
    today: date = utcnow().date()
    with app.sessions() as session, session.begin():
        rows = [
            hold_service.hold_dict(h, today)
            for h in hold_service.list_holds(session, today, include_expired=include_expired)
        ]
        record(session, app.actor, "hold list", details={"count": len(rows)})
    if as_json:
        emit_json({"holds": rows})
        return
    table(
        f"{len(rows)} hold(s)",
        ("id", "person", "organisation", "category", "until", "reason"),
        [
            (r["id"], r["person_id"], r["organisation_id"], r["category"], r["until"], r["reason"])
            for r in rows
        ],
    )


def register(cli: click.Group) -> None:
    for group in (request_group, marketing_group, retention_group, hold_group):
        cli.add_command(group)
