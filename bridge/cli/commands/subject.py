"""`bridge subject erase|export|rectify`: the data subject's rights of erasure, access and
rectification (N11). Each reads or changes personal data in one audited unit of work."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from bridge.cli.app import App
from bridge.cli.options import email_option, json_option, person_option, request_option
from bridge.cli.render import out, show, show_document
from bridge.errors import UsageError
from bridge.files import check_writable
from bridge.notice import LANGUAGES
from bridge.services.database import Session
from bridge.services.delivery import when_it_happens
from bridge.services.register.lookup import Person, find_person
from bridge.services.rights import erasure
from bridge.services.rights import export as export_service
from bridge.services.rights.erasure_letter import write_plan, write_receipt
from bridge.services.rights.letter.receipt_letter import DEFAULT_REASON
from bridge.services.rights.rectify import parse_assignments, rectify

lang_option = click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of the HTML or PDF letter (default: register.language).",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(export_service.FORMATS),
    default="json",
    show_default=True,
    help="json for machines; html or pdf for the letter to the person.",
)


@click.group("subject")
def subject() -> None:
    """Data-subject rights (N11): export, rectification, erasure."""


@subject.command("erase")
@person_option
@email_option
@click.option(
    "--reason",
    default=DEFAULT_REASON,
    show_default=True,
    help="Why (recorded in the audit trail and the receipt).",
)
@request_option
@click.option("--dry-run", is_flag=True, help="Print what would be deleted, kept and pushed.")
@click.option("--yes", is_flag=True, help="Do it without asking.")
@format_option
@click.option(
    "--out",
    "target",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the receipt (or the --dry-run plan) to this file, 0600; needed for "
    "--format html or pdf.",
)
@click.option("--force", is_flag=True, help="Replace the --out file if it exists.")
@lang_option
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
    fmt: str,
    target: Path | None,
    force: bool,
    lang: str | None,
    as_json: bool,
) -> None:
    """Erase the person in the register and in every LMS, except what a legal hold keeps.

    The receipt says per system what was erased, what remains and why; --format html or pdf
    with --out writes it as a letter to the person."""
    if fmt != "json" and target is None:
        raise UsageError(f"--format {fmt} writes a file: add --out PATH")
    if target is not None:
        # Refuse before anything is erased, not after: the receipt must not be lost.
        check_writable(target, replace=force)
    if dry_run:
        with app.unit_of_work("subject") as work:
            person = find_person(work.session, person_id=person_id, email=email)
            plan = erasure.dry_run(work.session, app.settings, work.actor, person).as_dict()
        if target is None:
            show_document(plan, "erasure plan (dry run: nothing was changed)", as_json)
            return
        written = write_plan(app.settings, plan, fmt=fmt, out=target, lang=lang, replace=force)
        _show_written(plan, as_json, "erasure plan (dry run: nothing was changed)", written)
        return
    if not yes:
        person_id, email = _confirm_erasure(app, person_id, email), None
    with app.unit_of_work("subject") as work:
        person = _erasable(work.session, person_id, email)
        receipt = erasure.execute(
            work.session, app.settings, work.actor, person, reason=reason, request_id=request_id
        )
    if target is None:
        show_document(receipt, "erasure receipt", as_json)
    else:
        written = write_receipt(
            app.settings, receipt, fmt=fmt, out=target, lang=lang, replace=force
        )
        _show_written(receipt, as_json, "erasure receipt", written)
    queued = [s["push"] for s in receipt.get("systems", ()) if s.get("push")]
    if queued and not as_json:
        with app.sessions() as session:
            when = when_it_happens(app.settings, session, "the LMS account is suspended")
        out.print(f"next: {when}; the deletion itself follows as each LMS mode allows "
                  "(`bridge push list` shows where each push stands)")


def _show_written(
    document: dict[str, object], as_json: bool, what: str, written: dict[str, object]
) -> None:
    """The document stays the JSON answer for scripts; people get where the file went."""
    show(
        document,
        as_json,
        f"{what} written to {written['path']} ({written['bytes']} bytes, {written['format']}, "
        "mode 0600)",
    )


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
@format_option
@lang_option
@click.option(
    "--out",
    "target",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="File to write (created owner-read/write only, 0600).",
)
@click.option("--force", is_flag=True, help="Replace the --out file if it exists.")
@request_option
@json_option
@click.pass_obj
def subject_export(
    app: App,
    person_id: int | None,
    email: str | None,
    fmt: str,
    lang: str | None,
    target: Path,
    force: bool,
    request_id: int | None,
    as_json: bool,
) -> None:
    """Write everything the register holds about the person (access, N11).

    JSON keeps every technical detail; html and pdf are a letter the person can read, in
    Finnish or English (--lang)."""
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
            replace=force,
            lang=lang,
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
