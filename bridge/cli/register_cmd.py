"""`bridge import`, `bridge person`, `bridge org`, `bridge relationship` and `bridge lms
unlink`: the register's own records, from spreadsheets or one at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.progress import Progress, SpinnerColumn, TextColumn

from bridge.cli.app import App
from bridge.cli.guard import requires
from bridge.cli.render import emit_json, err, out, table
from bridge.errors import OperationFailed
from bridge.registry.db import transaction
from bridge.services.register import merge, organisations, persons, relationships
from bridge.services.register.fields import ORGANISATION_FIELDS, PERSON_FIELDS
from bridge.services.register.intake import HEADERS, KINDS, ImportOptions, ImportReport, import_file
from bridge.services.register.intake.run import IMPORT_SOURCES

F = Callable[..., Any]
json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print JSON (one object, the last stdout line).")
SHOWN_ERRORS = 20


def _field_options(names: tuple[str, ...]) -> Callable[[F], F]:
    """One ``--first-name``-style option per register field (empty text clears a field)."""
    def decorate(command: F) -> F:
        for name in reversed(names):
            command = click.option(f"--{name.replace('_', '-')}", name, default=None)(command)
        return command
    return decorate


def _given(options: dict[str, Any], names: tuple[str, ...]) -> dict[str, str | None]:
    return {name: options.pop(name) for name in names}


# ---------------------------------------------------------------------------- import


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int], None] | None]:
    if not enabled or not err.is_terminal:
        yield None
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err,
                  transient=True) as bar:
        task = bar.add_task("reading")
        yield lambda phase, rows: bar.update(task, description=f"{phase} {rows} rows")


def _print_report(report: ImportReport) -> None:
    c = report.counts
    title = (f"{'DRY RUN, nothing written: ' if report.dry_run else ''}{report.kind} from "
             f"{report.file} ({report.read_as}), import {report.run_id}")
    rows = [("rows read", report.rows), ("created", c.created), ("updated", c.updated),
            ("unchanged", c.unchanged), ("older than the register (kept)", c.older),
            ("repeated rows (skipped)", report.duplicates), ("rejected", report.rejected)]
    rows += [(label, n) for label, n in (
        ("employers created", c.organisations_created),
        ("LMS accounts linked", c.linked_lms_accounts),
        ("course access revoked (service consent withdrawn)", c.access_revoked)) if n]
    table(title, ("", "count"), rows)
    for message in report.errors[:SHOWN_ERRORS]:
        err.print(f"[red]rejected[/] {message}", markup=True, highlight=False)
    if report.rejected > SHOWN_ERRORS:
        err.print(f"… {report.rejected} rejected rows in all"
                  + (f"; every one is in {report.rejects_file}" if report.rejects_file else
                     "; use --rejects OUT.csv to get them all"))
    for note in report.notes[:SHOWN_ERRORS]:
        err.print(f"note: {note}", highlight=False)
    if report.ignored_columns:
        err.print(f"columns not used: {', '.join(report.ignored_columns)} "
                  "(`bridge import columns` lists the known headers)", highlight=False)


def _import_command(kind: str) -> click.Command:
    @click.command(kind, help=f"Import {kind} from a CSV or .xlsx file "
                              "(`bridge import columns` lists the headers).")
    @click.argument("file", type=click.Path(path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
    @click.option("--skip-invalid", is_flag=True,
                  help="Import the valid rows even if some are invalid.")
    @click.option("--rejects", type=click.Path(path_type=Path),
                  help="Write the rejected rows with their errors to this CSV file.")
    @click.option("--source", type=click.Choice(IMPORT_SOURCES),
                  help="Provenance of the rows (default: registration for persons and "
                       "consents, admin for organisations and relationships).")
    @json_option
    @click.pass_obj
    @requires("register")
    def command(app: App, file: Path, dry_run: bool, skip_invalid: bool, rejects: Path | None,
                source: str | None, as_json: bool) -> None:
        options = ImportOptions(kind, file, dry_run=dry_run, skip_invalid=skip_invalid,
                                rejects_path=rejects, source=source)
        with _progress(not as_json) as progress:
            report = import_file(app.sessions, app.settings, app.actor, options,
                                 progress=progress)
        if as_json:
            emit_json(report.summary())
        else:
            _print_report(report)
        if report.status == "invalid":
            raise OperationFailed(
                f"{report.rejected} invalid row(s) in {report.file}: nothing imported (fix "
                "them, or import the rest with --skip-invalid)")

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
        emit_json({"columns": [{"field": c.field, "kinds": list(c.kinds),
                                "headers": list(c.names), "value": c.value} for c in columns]})
        return
    table("Import columns (headers match ignoring case, spaces, - and _)",
          ("field", "files", "headers", "value"),
          [(c.field, ", ".join(c.kinds), ", ".join(c.names), c.value) for c in columns])


# ---------------------------------------------------------------------------- persons


def _provenance_text(p: dict[str, Any]) -> str:
    seen = p["first_seen_at"].strftime("%Y-%m-%d") if p["first_seen_at"] else "?"
    return f"{p['source']} · {p['source_ref'] or '-'} · since {seen}"


def _print_person(view: dict[str, Any]) -> None:
    person = view["person"]
    table(f"person {person['id']}", ("field", "value"),
          [*((k, person[k]) for k in (*PERSON_FIELDS, "status")),
           ("provenance", _provenance_text(person["provenance"]))])
    sections: list[tuple[str, str, tuple[str, ...], Callable[[dict[str, Any]], tuple]]] = [
        ("employers", "employers", ("business ID", "name", "title"),
         lambda e: (e["business_id"], e["name"], e["title"])),
        ("customer relationships", "relationships", ("kind", "via", "start", "end", "reference"),
         lambda r: (r["kind"], r["via"], r["start"], r["end"], r["reference"])),
        ("consents", "consents", ("purpose", "channel", "status", "granted", "withdrawn",
                                  "evidence"),
         lambda c: (c["purpose"], c["channel"], c["status"], c["granted_at"], c["withdrawn_at"],
                    c["evidence"])),
        ("marketing prohibitions", "prohibitions", ("channel", "since", "lifted"),
         lambda p: (p["channel"], p["prohibited_at"], p["lifted_at"])),
        ("LMS accounts", "lms_accounts", ("connector", "user id", "username", "e-mail",
                                          "suspended"),
         lambda a: (a["connector"], a["lms_user_id"], a["username"], a["email"], a["suspended"])),
    ]
    for title, key, columns, cells in sections:
        items = view[key]
        if not items:
            out.print(f"{title}: none")
            continue
        table(title, (*columns, "provenance"),
              [(*cells(item), _provenance_text(item["provenance"])) for item in items])


@click.group("person")
def person() -> None:
    """Persons of the register (N5, N6a)."""


@person.command("add")
@_field_options(PERSON_FIELDS)
@click.option("--org", help="Employer's business ID (the employer must be in the register).")
@click.option("--title", help="Title at the employer.")
@json_option
@click.pass_obj
@requires("register")
def person_add(app: App, org: str | None, title: str | None, as_json: bool,
               **fields: Any) -> None:
    """Add a person (source admin); an LMS account with the same e-mail is linked."""
    with transaction(app.sessions) as session:
        added = persons.add_person(session, app.actor, _given(fields, PERSON_FIELDS),
                                   org=org, title=title)
        view = persons.person_view(session, added)
    emit_json(view) if as_json else _print_person(view)


@person.command("show")
@click.argument("ref", metavar="PERSON")
@json_option
@click.pass_obj
@requires("register")
def person_show(app: App, ref: str, as_json: bool) -> None:
    """Show a person (id or e-mail) with employer, relationships, consents, LMS accounts
    and where each item came from."""
    with transaction(app.sessions) as session:
        view = persons.show_person(session, app.actor, ref)
    emit_json(view) if as_json else _print_person(view)


@person.command("list")
@click.option("--search", help="Part of a name or an e-mail.")
@click.option("--org", help="Only persons of this employer (business ID).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@json_option
@click.pass_obj
@requires("register")
def person_list(app: App, search: str | None, org: str | None, limit: int,
                as_json: bool) -> None:
    """List persons."""
    with transaction(app.sessions) as session:
        rows = persons.list_persons(session, app.actor, search=search, org=org, limit=limit)
    if as_json:
        emit_json({"persons": rows})
        return
    table(f"{len(rows)} person(s)", ("id", "first name", "last name", "e-mail", "status",
                                     "source"),
          [(r["id"], r["first_name"], r["last_name"], r["email"], r["status"], r["source"])
           for r in rows])


@person.command("edit")
@click.argument("ref", metavar="PERSON")
@_field_options(PERSON_FIELDS)
@click.option("--source", type=click.Choice(persons.EDIT_SOURCES), default="admin",
              show_default=True, help="data_subject: a rectification the person asked for.")
@json_option
@click.pass_obj
@requires("register")
def person_edit(app: App, ref: str, source: str, as_json: bool, **fields: Any) -> None:
    """Change a person's basic data (an empty value clears a field)."""
    with transaction(app.sessions) as session:
        edited, changed = persons.edit_person(session, app.actor, ref,
                                              _given(fields, PERSON_FIELDS), source)
        view = persons.person_view(session, edited)
    if as_json:
        emit_json(view | {"changed": changed})
    else:
        out.print(f"person {edited.id}: " + (f"changed {', '.join(changed)}" if changed
                                            else "nothing changed"))


@person.command("link")
@click.argument("ref", metavar="PERSON")
@click.option("--org", required=True, help="Employer's business ID.")
@click.option("--title", help="Title at the employer.")
@json_option
@click.pass_obj
@requires("register")
def person_link(app: App, ref: str, org: str, title: str | None, as_json: bool) -> None:
    """Link a person to an employer."""
    with transaction(app.sessions) as session:
        result = relationships.link_person(session, app.actor, ref, org, title)
    if as_json:
        emit_json(result)
    else:
        out.print(f"person {result['person_id']} works for {result['business_id']}"
                  + (f" as {result['title']}" if result["title"] else ""))


@person.command("merge")
@click.argument("keep", metavar="KEEP")
@click.argument("drop", metavar="DROP")
@json_option
@click.pass_obj
@requires("register")
def person_merge(app: App, keep: str, drop: str, as_json: bool) -> None:
    """Merge duplicate DROP into KEEP: every link, LMS account, consent, relationship,
    request and pending push moves to KEEP; DROP is deleted."""
    with transaction(app.sessions) as session:
        result = merge.merge_persons(session, app.actor, keep, drop)
    if as_json:
        emit_json(result)
        return
    moved = ", ".join(f"{n} {t}" for t, n in result["moved"].items()) or "nothing to move"
    out.print(f"person {result['dropped']} merged into {result['kept']}: moved {moved}"
              + (f"; filled {', '.join(result['filled'])}" if result["filled"] else ""))
    for warning in result["warnings"]:
        err.print(f"warning: {warning}")


# ---------------------------------------------------------------------------- organisations


@click.group("org")
def org() -> None:
    """Employers (organisations) of the register (N5, N6b)."""


@org.command("add")
@_field_options(("business_id", *ORGANISATION_FIELDS))
@json_option
@click.pass_obj
@requires("register")
def org_add(app: App, as_json: bool, **fields: Any) -> None:
    """Add an organisation (its business ID is checked)."""
    with transaction(app.sessions) as session:
        added = organisations.add_org(session, app.actor,
                                _given(fields, ("business_id", *ORGANISATION_FIELDS)))
        view = organisations.org_view(session, added)
    if as_json:
        emit_json(view)
    else:
        out.print(f"organisation {added.business_id} {added.name} added")


@org.command("show")
@click.argument("business_id")
@json_option
@click.pass_obj
@requires("register")
def org_show(app: App, business_id: str, as_json: bool) -> None:
    """Show an organisation with its persons and customer relationships."""
    with transaction(app.sessions) as session:
        view = organisations.show_org(session, app.actor, business_id)
    if as_json:
        emit_json(view)
        return
    o = view["organisation"]
    table(f"organisation {o['business_id']}", ("field", "value"),
          [*((k, o[k]) for k in ORGANISATION_FIELDS),
           ("provenance", _provenance_text(o["provenance"]))])
    table("persons", ("id", "first name", "last name", "title"),
          [(p["id"], p["first_name"], p["last_name"], p["title"]) for p in view["persons"]])
    table("customer relationships", ("kind", "start", "end", "reference"),
          [(r["kind"], r["start"], r["end"], r["reference"]) for r in view["relationships"]])


@org.command("list")
@click.option("--search", help="Part of the name.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@json_option
@click.pass_obj
@requires("register")
def org_list(app: App, search: str | None, limit: int, as_json: bool) -> None:
    """List organisations."""
    with transaction(app.sessions) as session:
        rows = organisations.list_orgs(session, app.actor, search=search, limit=limit)
    if as_json:
        emit_json({"organisations": rows})
        return
    table(f"{len(rows)} organisation(s)", ("business ID", "name", "contact", "persons"),
          [(r["business_id"], r["name"], r["contact_name"], r["persons"]) for r in rows])


# ---------------------------------------------------------------------------- relationships, LMS


@click.group("relationship")
def relationship() -> None:
    """Customer relationships: contracts and other relevant connections (N3, N6c)."""


@relationship.command("add")
@click.option("--person", help="The customer person (id or e-mail).")
@click.option("--org", help="The customer organisation (business ID).")
@click.option("--kind", required=True, help="contract (sopimus) or other (muu).")
@click.option("--start", required=True, help="Start date: 31.1.2026 or 2026-01-31.")
@click.option("--end", help="End date (none = open-ended).")
@click.option("--reference", help="Contract number or other reference.")
@json_option
@click.pass_obj
@requires("register")
def relationship_add(app: App, person: str | None, org: str | None, kind: str, start: str,
                     end: str | None, reference: str | None, as_json: bool) -> None:
    """Record a customer relationship of a person or an organisation."""
    with transaction(app.sessions) as session:
        added = relationships.add_relationship(session, app.actor, person=person, org=org,
                                               kind=kind, start=start, end=end,
                                               reference=reference)
        result = {"id": added.id, "person_id": added.person_id,
                  "organisation_id": added.organisation_id, "kind": added.kind,
                  "start": added.start_date, "end": added.end_date,
                  "reference": added.reference}
    if as_json:
        emit_json(result)
    else:
        out.print(f"relationship {added.id} ({added.kind} from {added.start_date}) recorded")


@click.group("lms")
def lms() -> None:
    """The register's view of LMS accounts."""


@lms.command("unlink")
@click.option("--person", "ref", required=True, help="The person (id or e-mail).")
@click.option("--connector", required=True, help="The connector of the account.")
@json_option
@click.pass_obj
@requires("register")
def lms_unlink(app: App, ref: str, connector: str, as_json: bool) -> None:
    """Undo a wrong e-mail match: the account gets a person of its own (merge it into the
    right person with `bridge person merge`)."""
    with transaction(app.sessions) as session:
        result = merge.unlink_lms(session, app.actor, ref, connector)
    if as_json:
        emit_json(result)
        return
    for item in result["unlinked"]:
        out.print(f"{connector} user {item['lms_user_id']} unlinked from person "
                  f"{result['person_id']}; it is now person {item['new_person_id']}")


def register(cli: click.Group) -> None:
    for group in (import_group, person, org, relationship):
        cli.add_command(group)
    existing = cli.commands.get("lms")
    if isinstance(existing, click.Group):  # another part may own `bridge lms`
        existing.add_command(lms_unlink)
    else:
        cli.add_command(lms)
