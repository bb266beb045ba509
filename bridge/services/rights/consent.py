"""Consent withdrawal and grant (N3, N11), as the ``bridge consent`` commands ask for them:
the purpose and channel are checked here; the service consent, which takes or gives the
person's course access, is :mod:`bridge.services.access.service_consent`; a marketing
consent changes only its row (and never touches the LMS)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bridge.errors import UsageError
from bridge.services.access import service_consent
from bridge.services.audit import Actor
from bridge.services.register.consents import ConsentChange, audited, set_consent
from bridge.settings import Settings
from bridge.store.models import Person
from bridge.store.people import CHANNELS, PURPOSES


def _check(purpose: str, channel: str | None, *, every_channel: bool) -> None:
    """``every_channel``: a marketing change without a channel concerns every channel (a
    withdrawal: "no marketing to me"); a grant always names its channel, as consent to
    direct marketing is given for a channel (N11)."""
    if purpose not in PURPOSES:
        raise UsageError(f"unknown purpose {purpose!r} (known: {', '.join(PURPOSES)})")
    if purpose == "marketing" and channel is None and not every_channel:
        raise UsageError(f"a marketing consent is granted for one channel: add --channel, "
                         f"one of {', '.join(CHANNELS)}")
    if purpose == "marketing" and channel is not None and channel not in CHANNELS:
        raise UsageError(f"unknown channel {channel!r} (known: {', '.join(CHANNELS)})")
    if purpose == "service" and channel is not None:
        raise UsageError("the service consent has no channel")


def withdraw(
    session: Session,
    settings: Settings,
    actor: Actor,
    person: Person,
    *,
    purpose: str,
    channel: str | None = None,
    reason: str,
    evidence: str | None = None,
) -> ConsentChange:
    _check(purpose, channel, every_channel=True)
    if purpose == "marketing" and channel is None:
        changes = [
            _change(session, settings, actor, person, purpose, each, "withdrawn", reason,
                    evidence)
            for each in CHANNELS
        ]
        changed = any(change.changed for change in changes)
        return ConsentChange(person.id, purpose, None, changed, "withdrawn", channels=CHANNELS)
    return _change(
        session, settings, actor, person, purpose, channel, "withdrawn", reason, evidence
    )


def grant(
    session: Session,
    settings: Settings,
    actor: Actor,
    person: Person,
    *,
    purpose: str,
    channel: str | None = None,
    reason: str,
    evidence: str | None = None,
) -> ConsentChange:
    _check(purpose, channel, every_channel=False)
    if person.status == "erased":
        raise UsageError(f"person {person.id} was erased; lift the suppression first")
    return _change(
        session, settings, actor, person, purpose, channel, "granted", reason, evidence
    )


def _change(
    session: Session,
    settings: Settings,
    actor: Actor,
    person: Person,
    purpose: str,
    channel: str | None,
    status: str,
    reason: str,
    evidence: str | None,
) -> ConsentChange:
    if purpose == service_consent.PURPOSE:
        return service_consent.change(
            session, settings, actor, person, status, reason=reason, evidence=evidence
        )
    changed = set_consent(session, actor, person, purpose, channel, status, evidence or reason)
    return audited(
        session, actor, ConsentChange(person.id, purpose, channel, changed, status), reason
    )
