"""Marketing audience (CONTRACTS 7): B2C/B2B × opt-in/prohibition/withdrawn, and the
allow/deny commands."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bridge.cli.commands.consent import consent as consent_group
from bridge.store.models import Consent, MarketingProhibition
from bridge.store.people import CHANNELS
from tests.rights.conftest import Register, consent, employee, organisation, person


def _prohibit(pid: int | None, channel: str, oid: int | None = None) -> MarketingProhibition:
    return MarketingProhibition(person_id=pid, organisation_id=oid, channel=channel, source="admin")


@pytest.fixture
def people(register: Register) -> Register:
    register.add(
        organisation(1),
        organisation(2, "1572860-0"),
        person(1),
        consent(1, "email"),  # B2C opted in
        person(2),  # B2C nothing
        person(3),
        employee(3, 1),  # B2B nothing
        person(4),
        employee(4, 1),
        consent(4, "email"),  # B2B opted in
        person(5),
        consent(5, "email"),
        _prohibit(5, "email"),  # opt-in + prohibition
        person(6),
        employee(6, 1),
        _prohibit(6, "phone"),  # B2B prohibited phone
        person(7, status="withdrawn"),
        consent(7, "email"),  # withdrawn
        person(8, status="erased", email="gone@example.fi"),  # erased
        person(9),
        employee(9, 2),
        _prohibit(None, "phone", oid=2),  # employer prohibited
        person(10),
        consent(10, "email", "withdrawn"),
        consent(10, "phone", "withdrawn"),
    )
    return register


#: channel → persons who may be contacted.
EXPECTED = {
    "email": [1, 4],
    "sms": [],
    "phone": [1, 2, 3, 4, 5],
    "post": [1, 2, 3, 4, 5, 6, 9, 10],  # 10 withdrew e-mail and phone only
}


@pytest.mark.parametrize("channel", sorted(EXPECTED))
def test_audience_follows_the_rules(people: Register, channel: str) -> None:
    result = people.json("marketing", "audience", "--channel", channel)
    assert [m["person_id"] for m in result["audience"]] == EXPECTED[channel]
    segments = {m["person_id"]: m["segment"] for m in result["audience"]}
    assert all(segments[p] == ("b2b" if p in (3, 4, 6, 9) else "b2c") for p in segments)


def test_allow_and_deny_change_the_audience(people: Register) -> None:
    allowed = people.json(
        "marketing", "allow", "--person", "2", "--channel", "email", "--evidence", "signed form"
    )
    assert allowed["changed"] is True
    assert (
        people.json(
            "marketing", "allow", "--person", "2", "--channel", "email", "--evidence", "again"
        )["changed"]
        is False
    )
    people.json(
        "marketing",
        "deny",
        "--email",
        "p1@example.fi",
        "--channel",
        "email",
        "--evidence",
        "phone call",
    )
    audience = people.json("marketing", "audience", "--channel", "email")["audience"]
    assert [m["person_id"] for m in audience] == [2, 4]
    # an opt-in after a prohibition lifts it
    people.json("marketing", "allow", "--person", "5", "--channel", "email", "--evidence", "form")
    audience = people.json("marketing", "audience", "--channel", "email")["audience"]
    assert [m["person_id"] for m in audience] == [2, 4, 5]


def test_withdrawn_person_cannot_be_allowed(people: Register) -> None:
    outcome = people.bridge(
        "marketing", "allow", "--person", "7", "--channel", "email", "--evidence", "x"
    )
    assert outcome.exit_code == 2 and "withdrawn" in outcome.stderr


def _channel_help(verb: str) -> str:
    [option] = [p for p in consent_group.commands[verb].params if p.name == "channel"]
    return " ".join(str(option.help).split())


@pytest.mark.parametrize("verb", ["withdraw", "grant"])
def test_consent_without_a_channel_does_what_its_help_says(register: Register, verb: str) -> None:
    """``--help`` and the command agree: a default of every channel is every channel, a
    required channel is asked for."""
    register.add(person(1))
    outcome = register.bridge("consent", verb, "--person", "1", "--purpose", "marketing",
                              "--reason", "asked", "--evidence", "letter of 1.12.2026")
    if "default: every channel" in _channel_help(verb):
        assert outcome.exit_code == 0, outcome.stderr
        assert f"on every channel ({', '.join(CHANNELS)})" in outcome.stdout
        with register.sessions() as session:
            rows = session.execute(sa.select(Consent.channel, Consent.status)
                                   .where(Consent.person_id == 1)).all()
        assert sorted(rows) == sorted((c, "withdrawn") for c in CHANNELS)
    else:
        assert "required for marketing" in _channel_help(verb)
        assert outcome.exit_code == 2
        assert "add --channel" in outcome.stderr


def test_a_withdrawal_on_every_channel_empties_every_audience(people: Register) -> None:
    people.json("consent", "withdraw", "--person", "1", "--purpose", "marketing",
                "--reason", "no marketing at all")
    for channel in CHANNELS:
        audience = people.json("marketing", "audience", "--channel", channel)["audience"]
        assert 1 not in [m["person_id"] for m in audience]
