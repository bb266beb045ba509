"""`bridge push run|list|retry`: the queue of changes the LMS must make (transactional
outbox)."""

from __future__ import annotations

import threading

import click

from bridge.cli.app import App
from bridge.cli.guard import requires
from bridge.cli.options import ROW_ID, json_option
from bridge.cli.render import emit_json, out, table
from bridge.errors import OperationFailed
from bridge.services.ops.erasure_notices import tell_confirmed
from bridge.services.push import outbox
from bridge.services.push.worker import PushWorker


@click.group("push")
def push() -> None:
    """The queue of changes the LMS must make (transactional outbox)."""


@push.command("run")
@click.option("--once", is_flag=True, help="Do what is due now and exit.")
@click.option(
    "--interval",
    type=float,
    default=None,
    help="Seconds between polls when running continuously (default: daemon.push_interval).",
)
@json_option
@click.pass_obj
@requires("push")
def push_run(app: App, once: bool, interval: float | None, as_json: bool) -> None:
    """Carry out pending pushes, verify them by reading back, mark them done."""
    if interval is None:
        interval = app.settings.daemon.push_interval.total_seconds()
    stop = threading.Event()
    worker = PushWorker(
        app.settings, app.sessions, app.connector_token, actor=app.actor, stop=stop, manual=once
    )
    totals: dict[str, int] = {}
    unreachable: dict[str, str] = {}
    try:
        while True:
            stats = worker.run_once()
            for key, value in stats.as_dict().items():
                totals[key] = totals.get(key, 0) + value
            unreachable.update(worker.unreachable)
            if stats.done:
                for told in tell_confirmed(app.sessions, app.settings, app.actor):
                    if not as_json:
                        out.print(f"erasure of person {told['person_id']} confirmed: "
                                  f"`bridge subject receipt --person {told['person_id']}`")
            if not as_json:
                for outcome in stats.outcomes:
                    if outcome["connector"] in worker.unreachable:
                        continue  # said once per connector below
                    out.print(f"push {outcome['id']}: {outcome['state']} ({outcome['reason']})")
            if once or stop.wait(interval):
                break
    except KeyboardInterrupt:
        stop.set()
    finally:
        worker.close()
    if as_json:
        emit_json(totals)
    elif not totals.get("claimed"):
        out.print("nothing to push")
    if unreachable:
        lines = (f"{name}: {line}; its pushes stay queued" for name, line in unreachable.items())
        raise OperationFailed("\n".join(lines))


@push.command("list")
@click.option("--failed", is_flag=True, help="Only failed commands.")
@click.option("--open", "open_only", is_flag=True, help="Only commands not yet done.")
@json_option
@click.pass_obj
def push_list(app: App, failed: bool, open_only: bool, as_json: bool) -> None:
    """List push commands with their state and last error."""
    states = ["failed"] if failed else list(outbox.OPEN_STATES) if open_only else None
    with app.unit_of_work("push") as work:
        rows = [
            {
                "id": c.id,
                "connector": c.connector,
                "action": c.action,
                "lms_user_id": c.lms_user_id,
                "person_id": c.person_id,
                "state": c.state,
                "attempts": c.attempts,
                "next_attempt_at": c.next_attempt_at,
                "last_error": c.last_error,
                "lms_request_id": c.lms_request_id,
                "created_at": c.created_at,
                "done_at": c.done_at,
            }
            for c in outbox.list_commands(work.session, states=states)
        ]
    if as_json:
        emit_json({"commands": rows})
        return
    table(
        f"{len(rows)} push command(s)",
        ("id", "connector", "action", "LMS user", "person", "state", "tries", "note"),
        [
            (
                r["id"],
                r["connector"],
                r["action"],
                r["lms_user_id"],
                r["person_id"],
                r["state"],
                r["attempts"],
                r["last_error"] or "",
            )
            for r in rows
        ],
    )


@push.command("retry")
@click.argument("command_id", type=ROW_ID)
@click.pass_obj
def push_retry(app: App, command_id: int) -> None:
    """Put a failed command back in the queue (after fixing its cause)."""
    with app.unit_of_work("push") as work:
        outbox.retry(work.session, command_id)
    out.print(f"push {command_id} is pending again")


def register(cli: click.Group) -> None:
    cli.add_command(push)
