"""`bridge org add|show|list`: employers (organisations) of the register (N5, N6b)."""

from __future__ import annotations

from typing import Any

import click

from bridge.cli.app import App
from bridge.cli.options import field_options, given_fields, json_option, limit_option
from bridge.cli.render import emit_json, out, provenance_text, table
from bridge.services.register import organisations
from bridge.services.register.fields import ORGANISATION_FIELDS


@click.group("org")
def org() -> None:
    """Employers (organisations) of the register (N5, N6b)."""


@org.command("add")
@field_options(("business_id", *ORGANISATION_FIELDS))
@json_option
@click.pass_obj
def org_add(app: App, as_json: bool, **fields: Any) -> None:
    """Add an organisation (its business ID is checked)."""
    with app.unit_of_work("register") as work:
        added = organisations.add_org(
            work.session, work.actor, given_fields(fields, ("business_id", *ORGANISATION_FIELDS))
        )
        view = organisations.org_view(work.session, added)
    if as_json:
        emit_json(view)
    else:
        out.print(f"organisation {added.business_id} {added.name} added")


@org.command("show")
@click.argument("business_id")
@json_option
@click.pass_obj
def org_show(app: App, business_id: str, as_json: bool) -> None:
    """Show an organisation with its persons and customer relationships."""
    with app.unit_of_work("register") as work:
        view = organisations.show_org(work.session, work.actor, business_id)
    if as_json:
        emit_json(view)
        return
    o = view["organisation"]
    table(
        f"organisation {o['business_id']}",
        ("field", "value"),
        [
            *((k, o[k]) for k in ORGANISATION_FIELDS),
            ("provenance", provenance_text(o["provenance"])),
        ],
    )
    table(
        "persons",
        ("id", "first name", "last name", "title"),
        [(p["id"], p["first_name"], p["last_name"], p["title"]) for p in view["persons"]],
    )
    table(
        "customer relationships",
        ("kind", "start", "end", "reference"),
        [(r["kind"], r["start"], r["end"], r["reference"]) for r in view["relationships"]],
    )


@org.command("list")
@click.option("--search", help="Part of the name.")
@limit_option
@json_option
@click.pass_obj
def org_list(app: App, search: str | None, limit: int, as_json: bool) -> None:
    """List organisations."""
    with app.unit_of_work("register") as work:
        rows = organisations.list_orgs(work.session, work.actor, search=search, limit=limit)
    if as_json:
        emit_json({"organisations": rows})
        return
    table(
        f"{len(rows)} organisation(s)",
        ("business ID", "name", "contact", "persons"),
        [(r["business_id"], r["name"], r["contact_name"], r["persons"]) for r in rows],
    )


def register(cli: click.Group) -> None:
    cli.add_command(org)
