"""`bridge subject erase|export|rectify`: the data subject's rights of erasure, access and
rectification (N11). Each reads or changes personal data in one audited unit of work."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click
from sqlalchemy.orm import Session

from bridge.cli.app import App
from bridge.cli.options import email_option, json_option, person_option, request_option
from bridge.cli.render import show, show_document
from bridge.errors import UsageError
from bridge.registry.models import Person
from bridge.registry.queries import find_person
from bridge.services.rights import erasure
from bridge.services.rights import export as export_service
from bridge.services.rights.rectify import parse_assignments, rectify


@click.group("subject")
def subject() -> None:
    """Data-subject rights (N11): export, rectification, erasure."""


@subject.command("erase")
@person_option
@email_option
@click.option(
    "--reason",
    default="data subject's erasure request",
    show_default=True,
    help="Why (recorded in the audit trail and the receipt).",
)
@request_option
@click.option("--dry-run", is_flag=True, help="Print what would be deleted, kept and pushed.")
@click.option("--yes", is_flag=True, help="Do it without asking.")
@json_option
@click.pass_obj
def subject_erase(
    app: App,
    person_id: int | None,
    email: str | None,
    reason: str,
    request_id: int | None,
    dry_run: bool,
    yes: bool,
    as_json: bool,
) -> None:
    """Erase the person in the register and in every LMS, except what a legal hold keeps."""
    if dry_run:
        with app.unit_of_work("subject") as work:
            person = find_person(work.session, person_id=person_id, email=email)
            plan = erasure.dry_run(work.session, app.settings, work.actor, person).as_dict()
        show_document(plan, "erasure plan (dry run: nothing was changed)", as_json)
        return
    if not yes:
        person_id, email = _confirm_erasure(app, person_id, email), None
    with app.unit_of_work("subject") as work:
        person = _erasable(work.session, person_id, email)
        receipt = erasure.execute(
            work.session, app.settings, work.actor, person, reason=reason, request_id=request_id
        )
    show_document(receipt, "erasure receipt", as_json)


def _erasable(session: Session, person_id: int | None, email: str | None) -> Person:
    person = find_person(session, person_id=person_id, email=email)
    if person.status == "erased":
        raise UsageError(f"person {person.id} is already erased")
    return person


def _confirm_erasure(app: App, person_id: int | None, email: str | None) -> int:
    """Show the plan and ask; the plan is read in a unit of its own that is closed before the
    prompt, so no transaction waits for the operator. Returns the person's id."""
    with app.unit_of_work("subject") as work:
        person = _erasable(work.session, person_id, email)
        plan = erasure.plan(work.session, app.settings, person).as_dict()
        erasing = person.id
    if not sys.stdin.isatty():
        raise UsageError("erasure cannot be undone: add --yes (or --dry-run to preview)")
    show_document(plan, "erasure plan", False)
    click.confirm(f"Erase person {erasing}?", abort=True)
    return erasing


@subject.command("export")
@person_option
@email_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(export_service.FORMATS),
    default="json",
    show_default=True,
    help="json for the full technical record, html for a page to read.",
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
    with app.unit_of_work("subject") as work:
        person = find_person(work.session, person_id=person_id, email=email)
        result = export_service.export(
            work.session,
            app.settings,
            work.actor,
            person,
            fmt=fmt,
            out=target,
            request_id=request_id,
        )
    show(
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
def subject_rectify(
    app: App,
    person_id: int | None,
    email: str | None,
    assignments: Sequence[str],
    request_id: int | None,
    as_json: bool,
) -> None:
    """Correct the person's data in the register and push it to every LMS account."""
    with app.unit_of_work("subject") as work:
        changes = parse_assignments(list(assignments))
        person = find_person(work.session, person_id=person_id, email=email)
        result = rectify(
            work.session, app.settings, work.actor, person, changes, request_id=request_id
        )
    changed = (
        ", ".join(result["register"] + [f for f in result["lms"] if f not in result["register"]])
        or "nothing"
    )
    lines = [f"person {result['person_id']}: rectified {changed}"]
    lines += [f"  queued push {p['id']}: rectify in {p['connector']}" for p in result["pushes"]]
    show(result, as_json, "\n".join(lines))


def register(cli: click.Group) -> None:
    cli.add_command(subject)
