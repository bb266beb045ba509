"""`bridge subject erase|receipt|export|rectify`: the data subject's rights of erasure,
access and rectification (N11), and the erasure receipt issued again. Each reads or changes
personal data in one audited unit of work."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from bridge.cli.app import App
from bridge.cli.options import (
    email_option,
    json_option,
    out_option,
    person_option,
    request_option,
)
from bridge.cli.render import out, show, show_document
from bridge.errors import UsageError
from bridge.files import check_writable
from bridge.notice import LANGUAGES
from bridge.services.database import Session
from bridge.services.delivery import when_it_happens
from bridge.services.register.lookup import Person, find_person
from bridge.services.rights import erasure, erasure_record
from bridge.services.rights import export as export_service
from bridge.services.rights.erasure_letter import write_plan, write_receipt
from bridge.services.rights.letter.receipt_letter import DEFAULT_REASON
from bridge.services.rights.rectify import parse_assignments, rectify

F = TypeVar("F", bound=Callable[..., Any])

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


receipt_out_option = click.option(
    "--out",
    "target",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the receipt (or a dry run's plan) to this file, 0600; needed for "
    "--format html or pdf.",
)
force_option = click.option("--force", is_flag=True, help="Replace the --out file if it exists.")


@dataclass(frozen=True)
class Issue:
    """How a receipt is issued: printed (json) or written to ``target`` as ``fmt``."""

    fmt: str
    target: Path | None
    force: bool
    lang: str | None
    as_json: bool


def receipt_options(command: F) -> F:
    """The options of a command that issues an erasure receipt (format, file, language),
    given to it as one ``issue`` argument."""

    @functools.wraps(command)
    def gathered(
        *args: Any, fmt: str, target: Path | None, force: bool, lang: str | None,
        as_json: bool, **kwargs: Any,
    ) -> Any:
        return command(*args, issue=Issue(fmt, target, force, lang, as_json), **kwargs)

    for option in reversed((format_option, receipt_out_option, force_option, lang_option,
                            json_option)):
        gathered = option(gathered)
    return gathered  # type: ignore[return-value]


def _check_receipt_target(issue: Issue) -> None:
    """Refuse before acting, not after: a receipt that cannot be written must not be lost
    (the folder, its permissions, an existing file, the format)."""
    if issue.fmt != "json" and issue.target is None:
        raise UsageError(f"--format {issue.fmt} writes a file: add --out PATH")
    if issue.target is not None:
        check_writable(issue.target, replace=issue.force)


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
@receipt_options
@click.pass_obj
def subject_erase(
    app: App,
    person_id: int | None,
    email: str | None,
    reason: str,
    request_id: int | None,
    dry_run: bool,
    yes: bool,
    issue: Issue,
) -> None:
    """Erase the person in the register and in every LMS, except what a legal hold keeps.

    The receipt says per system what was erased, what remains and why; --format html or pdf
    with --out writes it as a letter to the person."""
    _check_receipt_target(issue)
    if dry_run:
        with app.unit_of_work("subject") as work:
            person = find_person(work.session, person_id=person_id, email=email)
            plan = erasure.dry_run(work.session, app.settings, work.actor, person).as_dict()
        what = "erasure plan (dry run: nothing was changed)"
        if issue.target is None:
            show_document(plan, what, issue.as_json)
            return
        written = write_plan(app.settings, plan, fmt=issue.fmt, out=issue.target,
                             lang=issue.lang, replace=issue.force)
        _show_written(plan, issue.as_json, what, written)
        return
    if not yes:
        person_id, email = _confirm_erasure(app, person_id, email), None
    with app.unit_of_work("subject") as work:
        person = _erasable(work.session, person_id, email)
        receipt = erasure.execute(
            work.session, app.settings, work.actor, person, reason=reason, request_id=request_id
        )
    _issue(app, receipt, issue)
    queued = [s["push"] for s in receipt.get("systems", ()) if s.get("push")]
    if queued and not issue.as_json:
        with app.sessions() as session:
            when = when_it_happens(app.settings, session, "the LMS account is suspended")
        out.print(f"next: {when}; the deletion itself follows as each LMS mode allows "
                  "(`bridge push list` shows where each push stands)")


@subject.command("receipt")
@person_option
@request_option
@receipt_options
@click.pass_obj
def subject_receipt(
    app: App,
    person_id: int | None,
    request_id: int | None,
    issue: Issue,
) -> None:
    """Issue the receipt of a past erasure again, from the register's record of it.

    Per system: what was erased, what remains and why, requested when, and confirmed when
    once the LMS read-back verified the deletion (until then it says requested)."""
    _check_receipt_target(issue)
    with app.unit_of_work("subject") as work:
        receipt = erasure_record.reissue(
            work.session, work.actor, person_id=person_id, request_id=request_id
        )
    _issue(app, receipt, issue)


def _issue(app: App, receipt: dict[str, object], issue: Issue) -> None:
    """Print the receipt, or write it to the target and say where it went."""
    if issue.target is None:
        show_document(receipt, "erasure receipt", issue.as_json)
        return
    written = write_receipt(app.settings, receipt, fmt=issue.fmt, out=issue.target,
                            lang=issue.lang, replace=issue.force)
    _show_written(receipt, issue.as_json, "erasure receipt", written)


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
@out_option("File to write (created owner-read/write only, 0600).")
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
