"""`bridge consent withdraw|grant`: consent changes, and for the service the LMS access that
follows them (N3, N11)."""

from __future__ import annotations

import click

from bridge.cli.app import App
from bridge.cli.commands.relationship import print_revocation
from bridge.cli.options import email_option, json_option, person_option
from bridge.cli.render import emit_json, out
from bridge.errors import UsageError
from bridge.registry.queries import find_person
from bridge.services.rights import consent as consent_service
from bridge.services.rights import employer


@click.group("consent")
def consent() -> None:
    """Record consent withdrawals and grants (N3, N11)."""


def _consent_command(verb: str) -> None:
    @consent.command(verb)
    @person_option
    @email_option
    @click.option(
        "--org",
        "business_id",
        hidden=verb != "withdraw",
        help="Every employee of this employer (business ID) with no other basis (service).",
    )
    @click.option("--purpose", required=True, type=click.Choice(["service", "marketing"]))
    @click.option("--channel", type=click.Choice(["email", "sms", "phone", "post"]))
    @click.option("--reason", required=True, help="Why (recorded in the audit trail).")
    @click.option("--evidence", help="Evidence of the person's wish (letter, e-mail, …).")
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
        as_json: bool,
    ) -> None:
        if business_id is not None:
            _for_org(app, verb, business_id, person_id, email, purpose, reason, as_json)
            return
        change = getattr(consent_service, verb)
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
        if as_json:
            emit_json(result.as_dict())
            return
        state = "recorded" if result.changed else "already recorded (nothing changed)"
        out.print(f"{purpose} consent {result.status} for person {result.person_id}: {state}")
        for push in result.pushes:
            out.print(f"  queued push {push['id']}: {push['action']} in {push['connector']}")

    command.__doc__ = f"{verb.capitalize()} a consent; for the service this changes LMS access."


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
