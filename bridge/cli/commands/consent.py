"""`bridge consent withdraw|grant`: consent changes, and for the service the LMS access that
follows them (N3, N11)."""

from __future__ import annotations

import click

from bridge.cli.app import App
from bridge.cli.options import email_option, json_option, person_option
from bridge.cli.render import emit_json, out
from bridge.registry.queries import find_person
from bridge.services.rights import consent as consent_service


@click.group("consent")
def consent() -> None:
    """Record consent withdrawals and grants (N3, N11)."""


def _consent_command(verb: str) -> None:
    @consent.command(
        verb, help=f"{verb.capitalize()} a consent; for the service this changes LMS access."
    )
    @person_option
    @email_option
    @click.option(
        "--purpose",
        required=True,
        type=click.Choice(["service", "marketing"]),
        help="service: the courses and the LMS account; marketing: direct marketing.",
    )
    @click.option(
        "--channel",
        type=click.Choice(["email", "sms", "phone", "post"]),
        help="For marketing: the one channel it concerns (default: every channel).",
    )
    @click.option("--reason", required=True, help="Why (recorded in the audit trail).")
    @click.option("--evidence", help="Evidence of the person's wish (letter, e-mail, …).")
    @json_option
    @click.pass_obj
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


_consent_command("withdraw")
_consent_command("grant")


def register(cli: click.Group) -> None:
    cli.add_command(consent)
