"""`bridge person add|show|list|edit|link|merge`: persons of the register (N5, N6a), with
where each item came from. Every command is one audited unit of work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from bridge.cli.app import App
from bridge.cli.options import field_options, given_fields, json_option, limit_option
from bridge.cli.render import emit_json, err, out, provenance_text, table
from bridge.services.register import merge, persons, relationships
from bridge.services.register.fields import PERSON_FIELDS


def _print_person(view: dict[str, Any]) -> None:
    person = view["person"]
    table(
        f"person {person['id']}",
        ("field", "value"),
        [
            *((k, person[k]) for k in (*PERSON_FIELDS, "status")),
            ("provenance", provenance_text(person["provenance"])),
        ],
    )
    sections: list[tuple[str, str, tuple[str, ...], Callable[[dict[str, Any]], tuple]]] = [
        (
            "employers",
            "employers",
            ("business ID", "name", "title"),
            lambda e: (e["business_id"], e["name"], e["title"]),
        ),
        (
            "customer relationships",
            "relationships",
            ("kind", "via", "start", "end", "reference"),
            lambda r: (r["kind"], r["via"], r["start"], r["end"], r["reference"]),
        ),
        (
            "consents",
            "consents",
            ("purpose", "channel", "status", "granted", "withdrawn", "evidence"),
            lambda c: (
                c["purpose"],
                c["channel"],
                c["status"],
                c["granted_at"],
                c["withdrawn_at"],
                c["evidence"],
            ),
        ),
        (
            "marketing prohibitions",
            "prohibitions",
            ("channel", "since", "lifted"),
            lambda p: (p["channel"], p["prohibited_at"], p["lifted_at"]),
        ),
        (
            "LMS accounts",
            "lms_accounts",
            ("connector", "user id", "username", "e-mail", "suspended"),
            lambda a: (a["connector"], a["lms_user_id"], a["username"], a["email"], a["suspended"]),
        ),
    ]
    for title, key, columns, cells in sections:
        items = view[key]
        if not items:
            out.print(f"{title}: none")
            continue
        table(
            title,
            (*columns, "provenance"),
            [(*cells(item), provenance_text(item["provenance"])) for item in items],
        )


@click.group("person")
def person() -> None:
    """Persons of the register (N5, N6a)."""


@person.command("add")
@field_options(PERSON_FIELDS)
@click.option("--org", help="Employer's business ID (the employer must be in the register).")
@click.option("--title", help="Title at the employer.")
@json_option
@click.pass_obj
def person_add(app: App, org: str | None, title: str | None, as_json: bool, **fields: Any) -> None:
    """Add a person (source admin); an LMS account with the same e-mail is linked."""
    with app.unit_of_work("register") as work:
        added = persons.add_person(
            work.session, work.actor, given_fields(fields, PERSON_FIELDS), org=org, title=title
        )
        view = persons.person_view(work.session, added)
    emit_json(view) if as_json else _print_person(view)


@person.command("show")
@click.argument("ref", metavar="PERSON")
@json_option
@click.pass_obj
def person_show(app: App, ref: str, as_json: bool) -> None:
    """Show a person (id or e-mail) with employer, relationships, consents, LMS accounts
    and where each item came from."""
    with app.unit_of_work("register") as work:
        view = persons.show_person(work.session, work.actor, ref)
    emit_json(view) if as_json else _print_person(view)


@person.command("list")
@click.option("--search", help="Part of a name or an e-mail.")
@click.option("--org", help="Only persons of this employer (business ID).")
@limit_option
@json_option
@click.pass_obj
def person_list(app: App, search: str | None, org: str | None, limit: int, as_json: bool) -> None:
    """List persons."""
    with app.unit_of_work("register") as work:
        rows = persons.list_persons(work.session, work.actor, search=search, org=org, limit=limit)
    if as_json:
        emit_json({"persons": rows})
        return
    table(
        f"{len(rows)} person(s)",
        ("id", "first name", "last name", "e-mail", "status", "source"),
        [
            (r["id"], r["first_name"], r["last_name"], r["email"], r["status"], r["source"])
            for r in rows
        ],
    )


@person.command("edit")
@click.argument("ref", metavar="PERSON")
@field_options(PERSON_FIELDS)
@click.option(
    "--source",
    type=click.Choice(persons.EDIT_SOURCES),
    default="admin",
    show_default=True,
    help="data_subject: a rectification the person asked for.",
)
@json_option
@click.pass_obj
def person_edit(app: App, ref: str, source: str, as_json: bool, **fields: Any) -> None:
    """Change a person's basic data (an empty value clears a field)."""
    with app.unit_of_work("register") as work:
        edited, changed = persons.edit_person(
            work.session, work.actor, ref, given_fields(fields, PERSON_FIELDS), source
        )
        view = persons.person_view(work.session, edited)
    if as_json:
        emit_json(view | {"changed": changed})
    else:
        out.print(
            f"person {edited.id}: "
            + (f"changed {', '.join(changed)}" if changed else "nothing changed")
        )


@person.command("link")
@click.argument("ref", metavar="PERSON")
@click.option("--org", required=True, help="Employer's business ID.")
@click.option("--title", help="Title at the employer.")
@json_option
@click.pass_obj
def person_link(app: App, ref: str, org: str, title: str | None, as_json: bool) -> None:
    """Link a person to an employer."""
    with app.unit_of_work("register") as work:
        result = relationships.link_person(work.session, work.actor, ref, org, title)
    if as_json:
        emit_json(result)
    else:
        out.print(
            f"person {result['person_id']} works for {result['business_id']}"
            + (f" as {result['title']}" if result["title"] else "")
        )


@person.command("merge")
@click.argument("keep", metavar="KEEP")
@click.argument("drop", metavar="DROP")
@json_option
@click.pass_obj
def person_merge(app: App, keep: str, drop: str, as_json: bool) -> None:
    """Merge duplicate DROP into KEEP: every link, LMS account, consent, relationship,
    request and pending push moves to KEEP; DROP is deleted."""
    with app.unit_of_work("register") as work:
        result = merge.merge_persons(work.session, work.actor, keep, drop)
    if as_json:
        emit_json(result)
        return
    moved = ", ".join(f"{n} {t}" for t, n in result["moved"].items()) or "nothing to move"
    out.print(
        f"person {result['dropped']} merged into {result['kept']}: moved {moved}"
        + (f"; filled {', '.join(result['filled'])}" if result["filled"] else "")
    )
    for warning in result["warnings"]:
        err.print(f"warning: {warning}")


def register(cli: click.Group) -> None:
    cli.add_command(person)
