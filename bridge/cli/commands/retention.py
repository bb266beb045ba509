"""`bridge retention plan|run`: retention periods per data category (N10). The plan needs
``holds`` (dpo, admin), the run ``retention`` (admin)."""

from __future__ import annotations

from typing import Any

import click

from bridge.cli.app import App
from bridge.cli.options import json_option
from bridge.cli.render import emit_json, out, show, table
from bridge.clock import utcnow
from bridge.errors import UsageError
from bridge.services.rights import retention as retention_service


@click.group("retention")
def retention_group() -> None:
    """Retention periods per data category (N10): the plan and the run."""


def _plan_table(summary: dict[str, dict[str, Any]], title: str) -> None:
    table(
        title,
        ("category", "period", "counted from", "delete", "kept by hold"),
        [
            (name, c["period"], c["after"].replace("_", " "), c["delete"], c["kept"])
            for name, c in summary.items()
        ],
    )


@retention_group.command("plan")
@click.option("--details", is_flag=True, help="List every row, not only the counts.")
@json_option
@click.pass_obj
def retention_plan(app: App, details: bool, as_json: bool) -> None:
    """What a retention run would delete today and why, and what holds keep."""
    today = utcnow().date()
    with app.unit_of_work("holds") as work:
        steps = retention_service.plan_for_operator(work.session, app.settings, work.actor, today)
    if as_json:
        emit_json(steps.as_dict())
        return
    _plan_table(steps.categories, f"retention plan for {today}: {steps.total} row(s) to delete")
    if details:
        for verb, items in (("delete", steps.delete), ("keep", steps.kept)):
            for item in items:
                kept = item.get("kept_by")
                why = f"kept by {kept}" if kept else item["reason"]
                out.print(
                    f"{verb} {item['table']} {item['id']} (person {item['person_id']}): {why}"
                )


@retention_group.command("run")
@click.option("--yes", is_flag=True, help="Delete without asking (required when not a terminal).")
@json_option
@click.pass_obj
def retention_run(app: App, yes: bool, as_json: bool) -> None:
    """Delete what the plan lists (audited, counted); holds are honoured."""
    with app.unit_of_work("retention") as work:
        # Inside the unit so that a role without `retention` is refused (exit 4) first.
        if not yes:
            raise UsageError(
                "retention deletes data for good: add --yes (`retention plan` previews)"
            )
        counts = retention_service.run(work.session, app.settings, work.actor, utcnow().date())
    show(counts, as_json, "retention run: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def register(cli: click.Group) -> None:
    cli.add_command(retention_group)
