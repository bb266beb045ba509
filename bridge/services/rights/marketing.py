"""Direct-marketing permissions and prohibitions per channel, and who may be contacted
(N4, N11, CONTRACTS 7).

The rules are configuration (``[marketing.rules]``): ``opt_in`` needs a recorded, not
withdrawn consent for the channel; ``opt_out`` allows unless the person said no. With
the defaults, e-mail and SMS need an opt-in from everyone and phone and post are allowed
unless prohibited. Whatever the rule: a prohibition always wins (the person's own, or
their employer's for its contacts), a withdrawn marketing consent counts as a "no", and
withdrawn or erased persons never appear. B2B means the person is linked to an employer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.clock import utcnow
from bridge.errors import UsageError
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.register.consents import latest_consent, set_consent
from bridge.settings import Settings
from bridge.settings.schema import ChannelRule
from bridge.store.models import (
    Consent,
    MarketingProhibition,
    Organisation,
    Person,
    PersonOrganisation,
)
from bridge.store.people import CHANNELS as CHANNELS  # re-exported: the commands' choices


def _rule(settings: Settings, channel: str) -> ChannelRule:
    if channel not in settings.marketing.channels:
        raise UsageError(
            f"channel {channel!r} is not in use (marketing.channels: "
            f"{', '.join(settings.marketing.channels)})"
        )
    rule = settings.marketing.rules.get(channel)
    if rule is None:  # a channel in use without a rule: the notice's strict default
        return ChannelRule(b2c="opt_in", b2b="opt_in")
    return rule


def _active_prohibitions(
    session: Session, person_id: int, channel: str
) -> list[MarketingProhibition]:
    return list(
        session.scalars(
            sa.select(MarketingProhibition).where(
                MarketingProhibition.person_id == person_id,
                MarketingProhibition.channel == channel,
                MarketingProhibition.lifted_at.is_(None),
            )
        )
    )


@dataclass
class PermissionChange:
    person_id: int
    channel: str
    permission: str  # allowed | denied
    changed: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "channel": self.channel,
            "permission": self.permission,
            "changed": self.changed,
        }


def _refuse_inactive(person: Person) -> None:
    if person.status != "active":
        raise UsageError(f"person {person.id} is {person.status}: no marketing permission applies")


def allow(
    session: Session,
    settings: Settings,
    actor: Actor,
    person: Person,
    *,
    channel: str,
    evidence: str,
) -> PermissionChange:
    """Record the person's opt-in for the channel; it lifts their own prohibition for it."""
    _rule(settings, channel)
    _refuse_inactive(person)
    now = utcnow()
    changed = set_consent(session, actor, person, "marketing", channel, "granted", evidence)
    for prohibition in _active_prohibitions(session, person.id, channel):
        prohibition.lifted_at, changed = now, True
    audit.record(
        session,
        actor,
        "marketing allow",
        person_id=person.id,
        details={"channel": channel, "changed": changed},
    )
    return PermissionChange(person.id, channel, "allowed", changed)


def deny(
    session: Session,
    settings: Settings,
    actor: Actor,
    person: Person,
    *,
    channel: str,
    evidence: str,
) -> PermissionChange:
    """Record a prohibition for the channel; a granted consent for it is withdrawn too."""
    _rule(settings, channel)
    now = utcnow()
    changed = False
    latest = latest_consent(session, person.id, "marketing", channel)
    if latest is not None and latest.status == "granted":
        latest.status, latest.withdrawn_at, changed = "withdrawn", now, True
    if not _active_prohibitions(session, person.id, channel):
        session.add(
            MarketingProhibition(
                person_id=person.id,
                channel=channel,
                prohibited_at=now,
                evidence=evidence,
                source="admin",
                source_ref=f"bridge marketing deny by {actor.name}",
                first_seen_at=now,
            )
        )
        changed = True
    audit.record(
        session,
        actor,
        "marketing deny",
        person_id=person.id,
        details={"channel": channel, "changed": changed},
    )
    return PermissionChange(person.id, channel, "denied", changed)


def _latest_consents(session: Session, channel: str) -> dict[int, Consent]:
    latest: dict[int, Consent] = {}
    for consent in session.scalars(
        sa.select(Consent)
        .where(Consent.purpose == "marketing", Consent.channel == channel)
        .order_by(Consent.id)
    ):
        latest[consent.person_id] = consent
    return latest


def _prohibited(session: Session, channel: str) -> set[int]:
    """Persons with an active prohibition of their own or of an employer they belong to."""
    active = sa.and_(
        MarketingProhibition.channel == channel, MarketingProhibition.lifted_at.is_(None)
    )
    own = session.scalars(
        sa.select(MarketingProhibition.person_id).where(
            active, MarketingProhibition.person_id.is_not(None)
        )
    )
    via_employer = session.scalars(
        sa.select(PersonOrganisation.person_id).join(
            MarketingProhibition,
            sa.and_(
                MarketingProhibition.organisation_id == PersonOrganisation.organisation_id, active
            ),
        )
    )
    return {pid for pid in own if pid is not None} | set(via_employer)


def _employers(session: Session) -> dict[int, list[str]]:
    employers: dict[int, list[str]] = {}
    for person_id, name in session.execute(
        sa.select(PersonOrganisation.person_id, Organisation.name)
        .join(Organisation, Organisation.id == PersonOrganisation.organisation_id)
        .order_by(Organisation.name)
    ):
        employers.setdefault(person_id, []).append(name)
    return employers


_CONTACT = {"email": "email", "sms": "phone", "phone": "phone", "post": None}


def audience(
    session: Session, settings: Settings, actor: Actor, *, channel: str
) -> list[dict[str, Any]]:
    """Who may be contacted on ``channel`` now, and on what basis (one audit row)."""
    rule = _rule(settings, channel)
    consents = _latest_consents(session, channel)
    prohibited = _prohibited(session, channel)
    employers = _employers(session)
    members = []
    persons = session.scalars(
        sa.select(Person).where(Person.status == "active").order_by(Person.id)
    )
    for person in persons:
        if person.id in prohibited:
            continue
        segment = "b2b" if person.id in employers else "b2c"
        consent = consents.get(person.id)
        if consent is not None and consent.status == "withdrawn":
            continue  # a withdrawn consent is a "no" under either rule
        if getattr(rule, segment) == "opt_in" and consent is None:
            continue
        basis = f"consent {consent.id}" if consent else "no prohibition (opt-out rule)"
        contact_field = _CONTACT[channel]
        members.append(
            {
                "person_id": person.id,
                "name": " ".join(filter(None, (person.first_name, person.last_name))),
                "segment": segment,
                "employers": employers.get(person.id, []),
                "contact": getattr(person, contact_field) if contact_field else None,
                "basis": basis,
            }
        )
    audit.record(
        session, actor, "marketing audience", details={"channel": channel, "count": len(members)}
    )
    return members
