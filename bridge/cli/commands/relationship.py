"""`bridge relationship add|end`: customer relationships, contracts and other relevant
connections of a person or an organisation (N3, N6c)."""

from __future__ import annotations

from datetime import date

import click

from bridge.cli.app import App
from bridge.cli.options import DATE, json_option
from bridge.cli.render import emit_json, err, out
from bridge.services.access import employer
from bridge.services.access.employer import EmployerRevocation
from bridge.services.register import relationships


@click.group("relationship")
def relationship() -> None:
    """Customer relationships: contracts and other relevant connections (N3, N6c)."""


@relationship.command("add")
@click.option("--person", help="The customer person (id or e-mail).")
@click.option("--org", help="The customer organisation (business ID).")
@click.option("--kind", required=True, help="contract (sopimus) or other (muu).")
@click.option("--start", required=True, type=DATE, help="Start date: 31.1.2026 or 2026-01-31.")
@click.option("--end", type=DATE, help="End date (none = open-ended).")
@click.option("--reference", help="Contract number or other reference.")
@json_option
@click.pass_obj
def relationship_add(
    app: App,
    person: str | None,
    org: str | None,
    kind: str,
    start: date,
    end: date | None,
    reference: str | None,
    as_json: bool,
) -> None:
    """Record a customer relationship of a person or an organisation."""
    with app.unit_of_work("register") as work:
        added = relationships.add_relationship(
            work.session,
            work.actor,
            person=person,
            org=org,
            kind=kind,
            start=start,
            end=end,
            reference=reference,
        )
        result = {
            "id": added.id,
            "person_id": added.person_id,
            "organisation_id": added.organisation_id,
            "kind": added.kind,
            "start": added.start_date,
            "end": added.end_date,
            "reference": added.reference,
        }
    if as_json:
        emit_json(result)
    else:
        out.print(f"relationship {added.id} ({added.kind} from {added.start_date}) recorded")


@relationship.command("end")
@click.option("--org", "business_id", required=True, help="The employer (business ID).")
@click.option("--date", "day", required=True, type=DATE,
              help="The day it ends: 31.1.2026 or 2026-01-31 (a day ahead takes effect then).")
@json_option
@click.pass_obj
def relationship_end(app: App, business_id: str, day: date, as_json: bool) -> None:
    """End an employer's relationships; employees with no other basis lose access (N3)."""
    with app.unit_of_work("subject") as work:
        result = employer.end_relationship(work.session, app.settings, work.actor, business_id, day)
    for warning in result.warnings:
        err.print(f"warning: {warning}", markup=False)
    if as_json:
        emit_json(result.as_dict())
        return
    ended = ", ".join(str(i) for i in result.ended) or "none open on that day"
    if result.scheduled and result.ended:
        out.print(
            f"relationships of {result.business_id} end on {result.date}: {ended}; on that day "
            "the daemon's contract_ends job withdraws the access that rests on them"
        )
        return
    out.print(f"relationships of {result.business_id} ended on {result.date}: {ended}")
    print_revocation(result)


def print_revocation(result: EmployerRevocation) -> None:
    """Who lost access and who kept it, with the basis that keeps it."""
    pushes = sum(w["pushes"] for w in result.withdrawn)
    out.print(
        f"service consent withdrawn for {len(result.withdrawn)} person(s); "
        f"{pushes} push(es) queued (`bridge push run` or the daemon carries them out)"
    )
    for kept in result.kept:
        out.print(f"  person {kept['person_id']} keeps access: {'; '.join(kept['because'])}")
    if result.unchanged:
        listed = ", ".join(str(i) for i in result.unchanged)
        out.print(f"  already withdrawn or erased: person(s) {listed}")


def register(cli: click.Group) -> None:
    cli.add_command(relationship)
