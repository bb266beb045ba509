"""`bridge audit`: read and verify the tamper-evident audit trail."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from bridge.cli.app import App
from bridge.cli.options import json_option
from bridge.cli.render import emit_json, out, table
from bridge.errors import OperationFailed
from bridge.services.audit import list_entries, verify_chain


@click.group("audit")
def audit() -> None:
    """The audit trail of personal-data reads and changes (N12)."""


@audit.command("list")
@click.option("--person", "person_id", type=int, help="Only rows about this person.")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="Only rows at or after this time (UTC).",
)
@click.option("--limit", type=int, default=200, show_default=True)
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
            since=since.replace(tzinfo=UTC) if since else None,
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
    """Recompute the hash chain; exit 1 if any row was altered or removed."""
    with app.unit_of_work("audit") as work:
        checked, bad = verify_chain(work.session)
    if as_json:
        emit_json({"ok": bad is None, "checked": checked, "first_bad_id": bad})
    elif bad is None:
        out.print(f"audit chain intact: {checked} row(s) verified")
    if bad is not None:
        raise OperationFailed(
            f"audit chain broken at row {bad} ({checked} row(s) before it intact)"
        )


def register(cli: click.Group) -> None:
    cli.add_command(audit)
