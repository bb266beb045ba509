"""`bridge hold add|list`: legal holds that keep data beyond retention and erasure (N10)."""

from __future__ import annotations

from datetime import date

import click

from bridge.cli.app import App
from bridge.cli.options import DATE, email_option, json_option, person_option
from bridge.cli.render import emit_json, show, table
from bridge.clock import utcnow
from bridge.services.register.lookup import optional_person, org_by_business_id
from bridge.services.rights import holds as hold_service


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
def hold_add(
    app: App,
    person_id: int | None,
    email: str | None,
    business_id: str | None,
    category: str,
    until: date,
    reason: str,
    as_json: bool,
) -> None:
    """Put a person's or an organisation's data of a category under a legal hold."""
    today = utcnow().date()
    with app.unit_of_work("holds") as work:
        person = optional_person(work.session, person_id, email)
        organisation = org_by_business_id(work.session, business_id) if business_id else None
        hold = hold_service.add_hold(
            work.session,
            app.settings,
            work.actor,
            person=person,
            organisation=organisation,
            category=category,
            until=until,
            reason=reason,
            today=today,
        )
        row = hold_service.hold_dict(hold, today)
    show(row, as_json, f"hold {row['id']} on {category} until {row['until']}")


@hold_group.command("list")
@click.option("--all", "include_expired", is_flag=True, help="Expired and lifted holds too.")
@json_option
@click.pass_obj
def hold_list(app: App, include_expired: bool, as_json: bool) -> None:
    """List legal holds."""
    today: date = utcnow().date()
    with app.unit_of_work("holds") as work:
        rows = [
            hold_service.hold_dict(h, today)
            for h in hold_service.list_for_operator(
                work.session, work.actor, today, include_expired=include_expired
            )
        ]
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
    cli.add_command(hold_group)
