"""`bridge marketing allow|deny|audience`: direct-marketing permissions and prohibitions per
channel (N4, N11)."""

from __future__ import annotations

import click

from bridge.cli.app import App
from bridge.cli.options import email_option, json_option, person_option
from bridge.cli.render import emit_json, show, table
from bridge.services.register.lookup import find_person
from bridge.services.rights import marketing as marketing_service


@click.group("marketing")
def marketing_group() -> None:
    """Direct-marketing permissions and prohibitions per channel (N4, N11)."""


channel_option = click.option(
    "--channel",
    required=True,
    type=click.Choice(marketing_service.CHANNELS),
    help="The marketing channel.",
)


def _permission_command(verb: str, doc: str) -> None:
    @marketing_group.command(verb, help=doc)
    @person_option
    @email_option
    @channel_option
    @click.option("--evidence", required=True, help="How the person said so (letter, form, …).")
    @json_option
    @click.pass_obj
    def command(
        app: App,
        person_id: int | None,
        email: str | None,
        channel: str,
        evidence: str,
        as_json: bool,
    ) -> None:
        with app.unit_of_work("marketing") as work:
            person = find_person(work.session, person_id=person_id, email=email)
            change = getattr(marketing_service, verb)(
                work.session, app.settings, work.actor, person, channel=channel, evidence=evidence
            )
        state = "recorded" if change.changed else "already recorded (nothing changed)"
        show(
            change.as_dict(),
            as_json,
            f"{channel} marketing {change.permission} for person {change.person_id}: {state}",
        )

    command.__doc__ = doc


_permission_command("allow", "Record the person's opt-in for a channel.")
_permission_command("deny", "Record the person's prohibition for a channel (it always wins).")


@marketing_group.command("audience")
@channel_option
@json_option
@click.pass_obj
def marketing_audience(app: App, channel: str, as_json: bool) -> None:
    """Who may be contacted on the channel now, and on what basis."""
    with app.unit_of_work("marketing") as work:
        members = marketing_service.audience(
            work.session, app.settings, work.actor, channel=channel
        )
    if as_json:
        emit_json({"channel": channel, "count": len(members), "audience": members})
        return
    table(
        f"{len(members)} person(s) may be contacted by {channel}",
        ("person", "name", "segment", "contact", "basis"),
        [(m["person_id"], m["name"], m["segment"], m["contact"], m["basis"]) for m in members],
    )


def register(cli: click.Group) -> None:
    cli.add_command(marketing_group)
