"""`bridge import`: the register's spreadsheets (CSV or Excel), read, checked and written in
batches by the intake service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.progress import Progress, SpinnerColumn, TextColumn

from bridge.cli.app import App
from bridge.cli.guard import requires
from bridge.cli.options import json_option
from bridge.cli.render import emit_json, err, markup_text, table
from bridge.errors import OperationFailed
from bridge.services.intake import HEADERS, KINDS, ImportOptions, ImportReport, import_file
from bridge.services.intake.run import IMPORT_SOURCES

SHOWN_ERRORS = 20


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int], None] | None]:
    if not enabled or not err.is_terminal:
        yield None
        return
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True
    ) as bar:
        task = bar.add_task("reading")
        yield lambda phase, rows: bar.update(task, description=f"{phase} {rows} rows")


def _print_report(report: ImportReport) -> None:
    c = report.counts
    title = (
        f"{'DRY RUN, nothing written: ' if report.dry_run else ''}{report.kind} from "
        f"{report.file} ({report.read_as}), import {report.run_id}"
    )
    rows = [
        ("rows read", report.rows),
        ("created", c.created),
        ("updated", c.updated),
        ("unchanged", c.unchanged),
        ("older than the register (kept)", c.older),
        ("repeated rows (skipped)", report.duplicates),
        ("erased persons (skipped)", report.suppressed),
        ("rejected", report.rejected),
    ]
    rows += [
        (label, n)
        for label, n in (
            ("employers created", c.organisations_created),
            ("LMS accounts linked", c.linked_lms_accounts),
            ("course access revoked (service consent withdrawn)", c.access_revoked),
        )
        if n
    ]
    table(title, ("", "count"), rows)
    for message in report.errors[:SHOWN_ERRORS]:
        err.print(f"[red]rejected[/] {markup_text(message)}", markup=True, highlight=False)
    if report.rejected > SHOWN_ERRORS:
        err.print(
            f"… {report.rejected} rejected rows in all"
            + (
                f"; every one is in {report.rejects_file}"
                if report.rejects_file
                else "; use --rejects OUT.csv to get them all"
            )
        )
    for note in report.notes[:SHOWN_ERRORS]:
        err.print(f"note: {note}", highlight=False)
    if report.ignored_columns:
        err.print(
            f"columns not used: {', '.join(report.ignored_columns)} "
            "(`bridge import columns` lists the known headers)",
            highlight=False,
        )


def _import_command(kind: str) -> click.Command:
    @click.command(
        kind,
        help=f"Import {kind} from a CSV or .xlsx file (`bridge import columns` lists the headers).",
    )
    @click.argument("file", type=click.Path(path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
    @click.option(
        "--skip-invalid", is_flag=True, help="Import the valid rows even if some are invalid."
    )
    @click.option(
        "--rejects",
        type=click.Path(path_type=Path),
        help="Write the rejected rows with their errors to this CSV file (created 0600).",
    )
    @click.option("--force", is_flag=True, help="Replace the --rejects file if it exists.")
    @click.option(
        "--source",
        type=click.Choice(IMPORT_SOURCES),
        help="Provenance of the rows (default: registration for persons and "
        "consents, admin for organisations and relationships).",
    )
    @json_option
    @click.pass_obj
    @requires("register")
    def command(
        app: App,
        file: Path,
        dry_run: bool,
        skip_invalid: bool,
        rejects: Path | None,
        force: bool,
        source: str | None,
        as_json: bool,
    ) -> None:
        options = ImportOptions(
            kind,
            file,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            rejects_path=rejects,
            replace_rejects=force,
            source=source,
        )
        with _progress(not as_json) as progress:
            report = import_file(app.sessions, app.settings, app.actor, options, progress=progress)
        if as_json:
            emit_json(report.summary())
        else:
            _print_report(report)
        if report.status == "invalid":
            raise OperationFailed(
                f"{report.rejected} invalid row(s) in {report.file}: nothing imported (fix "
                "them, or import the rest with --skip-invalid)"
            )

    return command


@click.group("import")
def import_group() -> None:
    """Import the register's spreadsheets (CSV or Excel)."""


for _kind in KINDS:
    import_group.add_command(_import_command(_kind))


@import_group.command("columns")
@click.option("--kind", type=click.Choice(KINDS), help="Only the columns of this kind.")
@json_option
def import_columns(kind: str | None, as_json: bool) -> None:
    """List the column headers the import understands (Finnish and English)."""
    columns = [c for c in HEADERS if kind is None or kind in c.kinds]
    if as_json:
        emit_json(
            {
                "columns": [
                    {
                        "field": c.field,
                        "kinds": list(c.kinds),
                        "headers": list(c.names),
                        "value": c.value,
                    }
                    for c in columns
                ]
            }
        )
        return
    table(
        "Import columns (headers match ignoring case, spaces, - and _)",
        ("field", "files", "headers", "value"),
        [(c.field, ", ".join(c.kinds), ", ".join(c.names), c.value) for c in columns],
    )


def register(cli: click.Group) -> None:
    cli.add_command(import_group)
