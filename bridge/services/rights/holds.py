"""Legal holds (N10): a category of one person's or organisation's data is kept beyond its
retention period (and through erasure) until a date, for a stated reason.

A hold's category is either a part that erasure knows (``HOLD_KEEPS``: ``invoicing`` and
``customer_data`` keep identity, relationships and employer links, ``lms_data`` keeps
everything pulled from the LMS, ``consents`` keeps consents and prohibitions), a
retention category of the configuration, or a legal obligation of ``[retention.holds]``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.errors import UsageError
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.settings import Settings
from bridge.store.models import LegalHold, Organisation, Person

#: What each hold category keeps through erasure (the parts erasure knows).
HOLD_KEEPS = {
    "invoicing": ("identity", "relationships", "employer"),
    "customer_data": ("identity", "relationships", "employer"),
    "consents": ("consents",),
    "lms_data": ("lms_data",),
}
#: The erasure part each retention category's data belongs to.
RETENTION_PART = {
    "lms_logs": "lms_data",
    "messages": "lms_data",
    "submissions": "lms_data",
    "grades": "lms_data",
    "customer_data": "relationships",
}


def known_categories(settings: Settings) -> list[str]:
    return sorted(
        set(HOLD_KEEPS) | set(settings.retention.categories) | set(settings.retention.holds)
    )


def covers(hold_category: str, retention_category: str) -> bool:
    """Whether a hold of ``hold_category`` keeps data of ``retention_category``."""
    if hold_category == retention_category:
        return True
    part = RETENTION_PART.get(retention_category, retention_category)
    return part in HOLD_KEEPS.get(hold_category, (hold_category,))


def add_hold(
    session: Session,
    settings: Settings,
    actor: Actor,
    *,
    person: Person | None,
    organisation: Organisation | None,
    category: str,
    until: date,
    reason: str,
    today: date,
) -> LegalHold:
    if (person is None) == (organisation is None):
        raise UsageError("a hold is on exactly one of --person/--email or --organisation")
    if category not in known_categories(settings):
        raise UsageError(
            f"unknown hold category {category!r} (known: {', '.join(known_categories(settings))})"
        )
    if until < today:
        raise UsageError(f"--until {until} is in the past")
    if not reason.strip():
        raise UsageError("--reason is required: a hold needs its legal ground")
    hold = LegalHold(
        person_id=person.id if person else None,
        organisation_id=organisation.id if organisation else None,
        category=category,
        until=until,
        reason=reason.strip(),
        created_by=actor.name,
    )
    session.add(hold)
    session.flush()
    audit.record(
        session,
        actor,
        "hold add",
        person_id=hold.person_id,
        details={
            "hold_id": hold.id,
            "category": category,
            "until": until.isoformat(),
            "organisation_id": hold.organisation_id,
        },
    )
    return hold


def active_holds(session: Session, today: date) -> list[LegalHold]:
    return list(
        session.scalars(
            sa.select(LegalHold)
            .where(LegalHold.lifted_at.is_(None), LegalHold.until >= today)
            .order_by(LegalHold.id)
        )
    )


def list_holds(session: Session, today: date, *, include_expired: bool = False) -> list[LegalHold]:
    if not include_expired:
        return active_holds(session, today)
    return list(session.scalars(sa.select(LegalHold).order_by(LegalHold.id)))


def hold_dict(hold: LegalHold, today: date) -> dict[str, Any]:
    return {
        "id": hold.id,
        "person_id": hold.person_id,
        "organisation_id": hold.organisation_id,
        "category": hold.category,
        "until": hold.until,
        "reason": hold.reason,
        "active": hold.lifted_at is None and hold.until >= today,
        "created_by": hold.created_by,
        "created_at": hold.created_at,
    }


def list_for_operator(
    session: Session, actor: Actor, today: date, *, include_expired: bool = False
) -> list[LegalHold]:
    """``list_holds`` for a person at the keyboard: holds name persons, so reading is audited."""
    holds = list_holds(session, today, include_expired=include_expired)
    audit.record(session, actor, "hold list", details={"count": len(holds)})
    return holds
