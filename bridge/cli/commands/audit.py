"""`bridge audit`: read and verify the tamper-evident audit trail."""

from __future__ import annotations

from datetime import datetime

import click

from bridge.cli.app import App
from bridge.cli.guard import requires
from bridge.cli.options import MOMENT, ROW_ID, json_option
from bridge.cli.render import emit_json, out, table
from bridge.errors import OperationFailed
from bridge.services.audit import list_entries, reanchor
from bridge.services.audit.anchor import anchor_path, read_anchor
from bridge.services.audit.verify import verify


@click.group("audit")
def audit() -> None:
    """The audit trail of personal-data reads and changes (N12)."""


@audit.command("list")
@click.option("--person", "person_id", type=ROW_ID, help="Only rows about this person.")
@click.option(
    "--since",
    type=MOMENT,
    help="Only rows at or after this day, or day and time (Finnish time unless the ISO form "
    "names its offset).",
)
@click.option(
    "--limit", type=int, default=200, show_default=True, help="At most this many rows."
)
@json_option
@click.pass_obj
def audit_list(
    app: App, person_id: int | None, since: datetime | None, limit: int, as_json: bool
) -> None:
    """Show audit rows, newest first."""
    with app.unit_of_work("audit") as work:
        entries = list_entries(
            work.session,
            person_id=person_id,
            since=since,
            limit=limit,
        )
    rows = [
        {
            "id": e.id,
            "at": e.at,
            "operator": e.operator,
            "role": e.role,
            "action": e.action,
            "outcome": e.outcome,
            "person_id": e.person_id,
            "request_id": e.request_id,
            "details": e.details,
        }
        for e in entries
    ]
    if as_json:
        emit_json({"entries": rows})
        return
    table(
        "audit trail",
        ("id", "at", "operator", "role", "action", "outcome", "person", "request"),
        [
            (
                r["id"],
                r["at"],
                r["operator"],
                r["role"],
                r["action"],
                r["outcome"],
                r["person_id"],
                r["request_id"],
            )
            for r in rows
        ],
    )


@audit.command("verify")
@json_option
@click.pass_obj
def audit_verify(app: App, as_json: bool) -> None:
    """Verify every row's MAC and the head against the anchor; exit 1 naming what broke."""
    with app.unit_of_work("audit") as work:
        report = verify(work.session)
    if as_json:
        emit_json(report.as_dict())
    elif report.intact:
        out.print(f"intact: {report.rows} rows, head seq {report.head_seq or 0}")
        if report.anchor is None:
            out.print("no anchor file yet: a cut at the end could not be checked")
        for note in report.explained:
            out.print(f"explained: {note}")
    failures = [f"the audit table is not append-only: {gone}" for gone in report.unguarded]
    if report.problem is not None:
        problem = report.problem
        failures.insert(
            0, f"audit chain broken at seq {problem.seq} ({problem.kind}): {problem.message}"
        )
    if failures:
        raise OperationFailed("; ".join(failures))


@audit.command("anchor")
@click.option(
    "--reset",
    is_flag=True,
    help="Make a new anchor at the head (admin, audited): after a restore or a lost anchor.",
)
@json_option
@click.pass_obj
@requires("audit")
def audit_anchor(app: App, reset: bool, as_json: bool) -> None:
    """Print the anchored head of the chain, to keep a copy on another system."""
    if reset:
        before, head = reanchor(app.sessions, app.authorise("backup"))
        if as_json:
            emit_json(
                {"anchor_before": before.as_dict() if before else None, "anchor": head.as_dict()}
            )
        else:
            was = f"seq {before.seq}" if before else "no anchor file"
            out.print(f"anchor reset to seq {head.seq} mac {head.mac} (it was: {was})")
        return
    path = anchor_path(app.settings.register.secret_file)
    anchor = read_anchor(path)
    if as_json:
        emit_json({"file": str(path), "anchor": anchor.as_dict() if anchor else None})
    elif anchor is None:
        out.print(f"no anchor at {path}: no audit row was signed with this secret yet")
    else:
        out.print(f"seq {anchor.seq} mac {anchor.mac}")


def register(cli: click.Group) -> None:
    cli.add_command(audit)
