"""The service consent (N3, N11): withdrawing it takes the person's course access in every
connector, granting it again gives it back. The consent row, the person's status, the
push commands and the audit row are written in the caller's transaction (the outbox).

``bridge consent withdraw|grant`` (:mod:`bridge.services.rights.consent`) comes here for
the service purpose, and so does an employer's relationship end
(:mod:`bridge.services.access.employer`), one person at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bridge.services.access.kept_suspended import stays_suspended
from bridge.services.access.revocation import restore_access, revoke_access
from bridge.services.audit import Actor
from bridge.services.register.consents import ConsentChange, audited, set_consent
from bridge.settings import Settings
from bridge.store.models import Person

PURPOSE = "service"


@dataclass(frozen=True)
class Effect:
    """What a service consent status does to the person's status and their access."""

    person_from: str
    person_to: str
    access: Callable[[Session, Settings, Actor, Person, str], list[dict[str, Any]]]
    #: Pushes queued count as a change by themselves (a withdrawal that revokes again).
    pushes_change: bool


EFFECTS = {
    "withdrawn": Effect("active", "withdrawn", revoke_access, pushes_change=True),
    "granted": Effect("withdrawn", "active", restore_access, pushes_change=False),
}


def change(
    session: Session,
    settings: Settings,
    actor: Actor,
    person: Person,
    status: str,
    *,
    reason: str,
    evidence: str | None = None,
) -> ConsentChange:
    """Bring the service consent to ``status`` and the person's access with it: a
    withdrawal revokes the access that rested on it, a grant restores the access the
    register had revoked."""
    effect = EFFECTS[status]
    changed = set_consent(session, actor, person, PURPOSE, None, status, evidence or reason)
    if person.status == effect.person_from:
        person.status = effect.person_to
        changed = True
    pushes = effect.access(session, settings, actor, person, reason)
    changed = changed or (effect.pushes_change and bool(pushes))
    result = ConsentChange(person.id, PURPOSE, None, changed, status, pushes)
    if status == "granted":
        result.stays_suspended = stays_suspended(session, settings, person)
    return audited(session, actor, result, reason)
