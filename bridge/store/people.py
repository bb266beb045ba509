"""Persons, employers, customer relationships, consents and marketing prohibitions (N5, N6 a–c)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bridge.clock import utcnow
from bridge.store.base import Base, Provenance

#: Legal bases of N3, checked in code.
LEGAL_BASES = ("customer_relationship", "other_connection", "consent")
#: Person statuses, checked in code.
PERSON_STATUSES = ("active", "withdrawn", "erased")
#: Consent purposes: the service itself (N3) and direct marketing (N4).
PURPOSES = ("service", "marketing")
#: Marketing channels (N11); the configured list may narrow this.
CHANNELS = ("email", "sms", "phone", "post")
RELATIONSHIP_KINDS = ("contract", "other")

def normalise_email(email: str | None) -> str | None:
    """Case-insensitive e-mail key (addresses are compared lower-cased and trimmed)."""
    if not email:
        return None
    email = email.strip().lower()
    return email or None


class Person(Provenance, Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str | None] = mapped_column(sa.String(200))
    last_name: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    email_normalised: Mapped[str | None] = mapped_column(sa.String(320), index=True, unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    profession: Mapped[str | None] = mapped_column(sa.String(200))
    legal_basis: Mapped[str] = mapped_column(sa.String(40), default="customer_relationship")
    status: Mapped[str] = mapped_column(sa.String(20), default="active", index=True)
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Organisation(Provenance, Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    business_id: Mapped[str] = mapped_column(sa.String(9), unique=True)
    contact_name: Mapped[str | None] = mapped_column(sa.String(200))
    contact_email: Mapped[str | None] = mapped_column(sa.String(320))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(40))
    billing_address: Mapped[str | None] = mapped_column(sa.Text)
    billing_email: Mapped[str | None] = mapped_column(sa.String(320))
    e_invoice_address: Mapped[str | None] = mapped_column(sa.String(100))
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PersonOrganisation(Provenance, Base):
    """A person's link to an employer (N5)."""

    __tablename__ = "person_organisations"
    __table_args__ = (sa.UniqueConstraint("person_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    title: Mapped[str | None] = mapped_column(sa.String(200))


class CustomerRelationship(Provenance, Base):
    """A contract or other relevant connection (N3, N6c) of a person or an organisation."""

    __tablename__ = "customer_relationships"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    reference: Mapped[str | None] = mapped_column(sa.String(300))
    #: An employer relationship's end recorded ahead that the daemon has yet to carry out
    #: (:mod:`bridge.services.access.contract_ends`).
    pending_end_on: Mapped[date | None] = mapped_column(sa.Date)


class Consent(Provenance, Base):
    """Consent for one purpose (and, for marketing, one channel), with its evidence (N3, N11)."""

    __tablename__ = "consents"
    __table_args__ = (sa.Index("ix_consents_person_purpose", "person_id", "purpose", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"))
    purpose: Mapped[str] = mapped_column(sa.String(40))
    channel: Mapped[str | None] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20))  # granted | withdrawn
    granted_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    evidence: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by: Mapped[str | None] = mapped_column(sa.String(100))


class MarketingProhibition(Provenance, Base):
    """A direct-marketing prohibition for one channel (N6c, N11); it always wins."""

    __tablename__ = "marketing_prohibitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    channel: Mapped[str] = mapped_column(sa.String(20))
    prohibited_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None]
    evidence: Mapped[str | None] = mapped_column(sa.Text)
    details: Mapped[dict[str, Any] | None]
