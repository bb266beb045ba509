"""Consent, erasure and the push queue: `bridge consent`, `bridge subject erase`,
`bridge push`, `bridge suppression`."""

from __future__ import annotations

import json
import sys
import threading

import click

from bridge.cli.app import App
from bridge.cli.guard import requires
from bridge.cli.render import emit_json, out, table
from bridge.errors import OperationFailed, UsageError
from bridge.registry.queries import find_person
from bridge.services import audit
from bridge.services.push import outbox
from bridge.services.push.worker import PushWorker
from bridge.services.rights import consent as consent_service
from bridge.services.rights import erasure, suppression

person_option = click.option("--person", "person_id", type=int, help="The person's register id.")
email_option = click.option("--email", help="The person's e-mail address.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group("consent")
def consent() -> None:
    """Record consent withdrawals and grants (N3, N11)."""


def _consent_command(name: str, verb: str):  # type: ignore[no-untyped-def]
    @consent.command(name)
    @person_option
    @email_option
    @click.option("--purpose", required=True, type=click.Choice(["service", "marketing"]))
    @click.option("--channel", type=click.Choice(["email", "sms", "phone", "post"]))
    @click.option("--reason", required=True, help="Why (recorded in the audit trail).")
    @click.option("--evidence", help="Evidence of the person's wish (letter, e-mail, …).")
    @json_option
    @click.pass_obj
    @requires("subject")
    def command(
        app: App,
        person_id: int | None,
        email: str | None,
        purpose: str,
        channel: str | None,
        reason: str,
        evidence: str | None,
        as_json: bool,
    ) -> None:
        change = getattr(consent_service, verb)
        with app.sessions() as session, session.begin():
            person = find_person(session, person_id=person_id, email=email)
            result = change(
                session,
                app.settings,
                app.actor,
                person,
                purpose=purpose,
                channel=channel,
                reason=reason,
                evidence=evidence,
            )
        if as_json:
            emit_json(result.as_dict())
            return
        state = "recorded" if result.changed else "already recorded (nothing changed)"
        out.print(f"{purpose} consent {result.status} for person {result.person_id}: {state}")
        for push in result.pushes:
            out.print(f"  queued push {push['id']}: {push['action']} in {push['connector']}")

    command.__doc__ = f"{verb.capitalize()} a consent; for the service this changes LMS access."
    return command


_consent_command("withdraw", "withdraw")
_consent_command("grant", "grant")


@click.group("subject")
def subject() -> None:
    """Data-subject rights (N11): export, rectification, erasure."""


@subject.command("erase")
@person_option
@email_option
@click.option("--reason", default="data subject's erasure request", show_default=True)
@click.option("--request", "request_id", type=int, help="The data-subject request it executes.")
@click.option("--dry-run", is_flag=True, help="Print what would be deleted, kept and pushed.")
@click.option("--yes", is_flag=True, help="Do it without asking.")
@json_option
@click.pass_obj
@requires("subject")
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
    with app.sessions() as session, session.begin():
        person = find_person(session, person_id=person_id, email=email)
        if person.status == "erased" and not dry_run:
            raise UsageError(f"person {person.id} is already erased")
        steps = erasure.plan(session, app.settings, person)
        if dry_run:
            audit.record(session, app.actor, "subject erase dry-run", person_id=person.id)
            _show(steps.as_dict(), "erasure plan (dry run: nothing was changed)", as_json)
            return
        if not yes:
            if not sys.stdin.isatty():
                raise UsageError("erasure cannot be undone: add --yes (or --dry-run to preview)")
            _show(steps.as_dict(), "erasure plan", False)
            click.confirm(f"Erase person {person.id}?", abort=True)
        receipt = erasure.execute(
            session, app.settings, app.actor, person, reason=reason, request_id=request_id
        )
    _show(receipt, "erasure receipt", as_json)


def _show(payload: dict, title: str, as_json: bool) -> None:  # type: ignore[type-arg]
    if as_json:
        emit_json(payload)
    else:
        out.print(f"[bold]{title}[/]")
        out.print_json(json.dumps(payload, ensure_ascii=False, default=str))


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
    worker = PushWorker(app.settings, app.sessions, app.connector_token, actor=app.actor, stop=stop)
    totals: dict[str, int] = {}
    try:
        while True:
            stats = worker.run_once()
            for key, value in stats.as_dict().items():
                totals[key] = totals.get(key, 0) + value
            if not as_json:
                for outcome in stats.outcomes:
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


@push.command("list")
@click.option("--failed", is_flag=True, help="Only failed commands.")
@click.option("--open", "open_only", is_flag=True, help="Only commands not yet done.")
@json_option
@click.pass_obj
@requires("push")
def push_list(app: App, failed: bool, open_only: bool, as_json: bool) -> None:
    """List push commands with their state and last error."""
    states = ["failed"] if failed else list(outbox.OPEN_STATES) if open_only else None
    with app.sessions() as session:
        commands = outbox.list_commands(session, states=states)
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
            for c in commands
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
@click.argument("command_id", type=int)
@click.pass_obj
@requires("push")
def push_retry(app: App, command_id: int) -> None:
    """Put a failed command back in the queue (after fixing its cause)."""
    with app.sessions() as session, session.begin():
        outbox.retry(session, command_id)
    out.print(f"push {command_id} is pending again")


@click.group("suppression")
def suppression_group() -> None:
    """Erased persons' identifiers that a sync never re-imports (CONTRACTS 10)."""


@suppression_group.command("lift")
@click.option("--email", required=True)
@click.option("--evidence", required=True, help="Why the person may come back.")
@click.pass_obj
@requires("subject")
def suppression_lift(app: App, email: str, evidence: str) -> None:
    """Let a returning customer back in."""
    with app.sessions() as session, session.begin():
        lifted = suppression.lift(session, app.settings, email=email, evidence=evidence)
        audit.record(session, app.actor, "suppression lift", details={"lifted": lifted})
    if not lifted:
        raise OperationFailed("that e-mail is not on the suppression list")
    out.print("suppression lifted")


def register(cli: click.Group) -> None:
    for group in (consent, subject, push, suppression_group):
        cli.add_command(group)
