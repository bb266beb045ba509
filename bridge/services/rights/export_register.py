"""Gathering the register's own part of the access export: the N6 groups a–c (basic data,
employer, customer relationship, consents and marketing) and the retention section (N10)
with the holds on the person.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.services.rights.export_items import all_rows, item
from bridge.settings import Settings
from bridge.store.models import (
    MarketingProhibition,
    Person,
)
from bridge.store.queries import (
    active_holds_on,
    consents_of,
    employers_of,
    provenance_of,
    relationships_of,
)


def register_categories(session: Session, person: Person) -> dict[str, list[dict[str, Any]]]:
    """N6 a–c: the person row, employers, relationships (own and the employer's), consents
    and prohibitions (own and the employer's)."""
    basic = item(
        person, ("first_name", "last_name", "email", "phone", "profession", "legal_basis", "status")
    )
    links = employers_of(session, person.id)
    employers = [
        item(
            org,
            (
                "name",
                "business_id",
                "contact_name",
                "contact_email",
                "contact_phone",
                "billing_address",
                "billing_email",
                "e_invoice_address",
            ),
            title=link.title,
            link=provenance_of(link),
        )
        for link, org in links
    ]
    org_ids = [org.id for _, org in links]
    relationships = relationships_of(session, person.id, org_ids)
    consents = consents_of(session, person.id)
    prohibitions = all_rows(
        session,
        sa.select(MarketingProhibition)
        .where(
            sa.or_(
                MarketingProhibition.person_id == person.id,
                MarketingProhibition.organisation_id.in_(org_ids),
            )
        )
        .order_by(MarketingProhibition.id),
    )
    return {
        "basic_data": [basic],
        "employer": employers,
        "customer_relationship": [
            item(
                r,
                ("kind", "start_date", "end_date", "reference"),
                held_by="you" if r.person_id == person.id else "your employer",
            )
            for r in relationships
        ],
        "consents_and_marketing": [
            *(
                item(
                    c,
                    ("purpose", "channel", "status", "granted_at", "withdrawn_at", "evidence"),
                    record="consent",
                )
                for c in consents
            ),
            *(
                item(
                    p,
                    ("channel", "prohibited_at", "lifted_at", "evidence"),
                    record="marketing prohibition",
                    held_by="you" if p.person_id == person.id else "your employer",
                )
                for p in prohibitions
            ),
        ],
    }


def retention_section(
    session: Session, settings: Settings, person: Person, today: date
) -> dict[str, Any]:
    """N10: the period of each category, the legal obligations, and the holds on the person."""
    holds = active_holds_on(session, person.id, today)
    return {
        "categories": {
            name: {"period": str(c.period), "after": c.after.replace("_", " ")}
            for name, c in settings.retention.categories.items()
        },
        "legal_obligations": {
            name: {"period": str(h.period), "reason": h.reason}
            for name, h in settings.retention.holds.items()
        },
        "holds_on_your_data": [
            {"category": h.category, "until": h.until, "reason": h.reason} for h in holds
        ],
    }
