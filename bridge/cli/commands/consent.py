"""`bridge consent withdraw|grant`: consent changes, and for the service the LMS access that
follows them (N3, N11)."""

from __future__ import annotations

import click

from bridge.cli.app import App
from bridge.cli.commands.relationship import print_revocation
from bridge.cli.options import email_option, json_option, person_option
from bridge.cli.render import emit_json, out
from bridge.errors import OperationFailed, UsageError
from bridge.services.access import employer
from bridge.services.delivery import Delivery, deliver_now, when_it_happens
from bridge.services.register.lookup import find_person
from bridge.services.rights import consent as consent_service
from bridge.services.rights.marketing import CHANNELS


@click.group("consent")
def consent() -> None:
    """Record consent withdrawals and grants (N3, N11)."""


#: What ``--channel`` means, as each verb does it (``consent.withdraw``/``grant``).
CHANNEL_HELP = {
    "withdraw": f"For marketing: the one channel it concerns (default: every channel, i.e. "
    f"{', '.join(CHANNELS)}).",
    "grant": "For marketing: the channel the person agreed to (required for marketing: a "
    "consent is given for a channel).",
}


def _on_channels(channels: list[str]) -> str:
    if len(channels) > 1:
        return f" on every channel ({', '.join(channels)})"
    return f" on {channels[0]}" if channels else ""


def _consent_command(verb: str) -> None:
    @consent.command(
        verb, help=f"{verb.capitalize()} a consent; for the service this changes LMS access."
    )
    @person_option
    @email_option
    @click.option(
        "--org",
        "business_id",
        hidden=verb != "withdraw",
        help="Every employee of this employer (business ID) with no other basis (service).",
    )
    @click.option(
        "--purpose",
        required=True,
        type=click.Choice(["service", "marketing"]),
        help="service: the courses and the LMS account; marketing: direct marketing.",
    )
    @click.option(
        "--channel",
        type=click.Choice(CHANNELS),
        help=CHANNEL_HELP[verb],
    )
    @click.option("--reason", required=True, help="Why (recorded in the audit trail).")
    @click.option("--evidence", help="Evidence of the person's wish (letter, e-mail, …).")
    @click.option(
        "--now",
        is_flag=True,
        help="Push the change to the LMS at once and verify it before returning "
        "(exit 1 and says so when the LMS did not make it).",
    )
    @json_option
    @click.pass_obj
    def command(
        app: App,
        person_id: int | None,
        email: str | None,
        business_id: str | None,
        purpose: str,
        channel: str | None,
        reason: str,
        evidence: str | None,
        now: bool,
        as_json: bool,
    ) -> None:
        if business_id is not None:
            _for_org(app, verb, business_id, person_id, email, purpose, reason, as_json)
            return
        change = getattr(consent_service, verb)
        if now:
            app.authorise("push")  # before anything changes: --now also runs the pushes
        with app.unit_of_work("subject") as work:
            person = find_person(work.session, person_id=person_id, email=email)
            result = change(
                work.session,
                app.settings,
                work.actor,
                person,
                purpose=purpose,
                channel=channel,
                reason=reason,
                evidence=evidence,
            )
        ids = [int(p["id"]) for p in result.pushes]
        delivery: Delivery | None = None
        if now and ids:
            delivery = deliver_now(app.settings, app.sessions, app.connector_token, app.actor, ids)
        if as_json:
            payload = result.as_dict()
            if delivery is not None:
                payload["delivered"] = {"done": delivery.done, "complete": delivery.complete}
            emit_json(payload)
        else:
            state = "recorded" if result.changed else "already recorded (nothing changed)"
            out.print(f"{purpose} consent {result.status} for person {result.person_id}"
                      f"{_on_channels(result.as_dict()['channels'])}: {state}")
            for push in result.pushes:
                out.print(f"  queued push {push['id']}: {push['action']} in {push['connector']}")
            _say_what_happens_next(app, ids, delivery, withdrawn=verb == "withdraw")
            _say_what_stays_suspended(result.stays_suspended)
        if delivery is not None and not delivery.complete:
            missed = "LMS access has NOT ended" if verb == "withdraw" else "LMS access is NOT back"
            lines = delivery.held + delivery.unreachable + delivery.failed
            if delivery.held or delivery.failed:  # unreachable alone: its line says it stays queued
                lines.insert(0, f"{missed}: the LMS did not make the change")
            raise OperationFailed("\n".join(lines))


def _say_what_happens_next(
    app: App, ids: list[int], delivery: Delivery | None, *, withdrawn: bool
) -> None:
    """The line after "queued push N": when the LMS changes, or what --now achieved."""
    if not ids:
        return
    if delivery is None:
        what = "LMS access ends" if withdrawn else "LMS access returns"
        with app.sessions() as session:
            when = when_it_happens(app.settings, session, what,
                                   or_else="or add --now to this command next time")
            out.print(f"  {when}")
        return
    if delivery.done:
        pushes = ", ".join(str(i) for i in delivery.done)
        result = "LMS access has ended" if withdrawn else "LMS access is back"
        out.print(f"  pushed and verified by reading back (push {pushes}): {result}")
    for line in delivery.waiting:
        out.print(f"  {line}")


def _say_what_stays_suspended(kept: list[dict[str, object]]) -> None:
    """A grant gives back only what the register took: say which accounts stay suspended."""
    for account in kept:
        out.print(
            f"  the {account['connector']} account (user id {account['lms_user_id']}) stays "
            f"suspended: {account['because']}; to lift it: {account['to_lift']}"
        )


def _for_org(
    app: App,
    verb: str,
    business_id: str,
    person_id: int | None,
    email: str | None,
    purpose: str,
    reason: str,
    as_json: bool,
) -> None:
    """``--org``: the service consent of an employer's people, withdrawn together."""
    if verb != "withdraw" or purpose != "service" or person_id is not None or email:
        raise UsageError("--org withdraws the service consent only: use it with "
                         "`consent withdraw --purpose service` and without --person/--email")
    with app.unit_of_work("subject") as work:
        result = employer.withdraw_for_org(work.session, app.settings, work.actor, business_id,
                                           reason)
    if as_json:
        emit_json(result.as_dict())
    else:
        print_revocation(result)


_consent_command("withdraw")
_consent_command("grant")


def register(cli: click.Group) -> None:
    cli.add_command(consent)
