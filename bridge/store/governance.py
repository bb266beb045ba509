"""Data-subject requests, legal holds, suppression, retention floors and the audit trail
(N10–N12)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bridge.clock import utcnow
from bridge.store.base import Base

REQUEST_TYPES = ("access", "rectification", "erasure", "objection", "withdrawal")
REQUEST_CHANNELS = ("letter", "email", "in_person")
#: The channel of a request the person filed in an LMS itself (read by a sync).
LMS_CHANNEL = "lms"


class SubjectRequest(Base):
    """A data-subject request with its GDPR art. 12(3) deadline."""

    __tablename__ = "subject_requests"
    __table_args__ = (sa.UniqueConstraint("lms_connector", "lms_request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    type: Mapped[str] = mapped_column(sa.String(20))
    channel: Mapped[str | None] = mapped_column(sa.String(20))
    received_on: Mapped[date] = mapped_column(sa.Date)
    deadline: Mapped[date] = mapped_column(sa.Date, index=True)
    extended_deadline: Mapped[date | None] = mapped_column(sa.Date)
    extension_reason: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), default="open", index=True)
    note: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    artefact: Mapped[dict[str, Any] | None]  # export path, receipt, change made
    opened_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    #: Where the request came from when a sync read it ("Moodle data request 7, filed by
    #: the learner"); the LMS's own request, answered there when the register answers it.
    source: Mapped[str | None] = mapped_column(sa.Text)
    lms_connector: Mapped[str | None] = mapped_column(sa.String(64))
    lms_request_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    lms_user_id: Mapped[int | None] = mapped_column(sa.BigInteger)


class DataRequestMark(Base):
    """Per connector, the highest LMS data-request id a sync has read: the next sync reads
    every request above it (and every one the LMS has not finished)."""

    __tablename__ = "data_request_marks"

    connector: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    last_id: Mapped[int] = mapped_column(sa.BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ErasureRecord(Base):
    """What one erasure did, kept so its receipt can be issued again at any time (CONTRACTS 6).

    ``receipt`` is the receipt as the erasure produced it: per system what was erased, what
    remains and why, and the push that asks each LMS. It names the person only by id (the
    person row is anonymised by then). ``lms_confirmed`` maps each push id to when its
    read-back verified the deletion, ``lms_remains`` each push id to what that read-back
    showed the LMS still holds naming the account (counts per place, no values; absent when
    it was not read); ``confirmed_at`` is set once every push is verified.
    ``notified_at`` is when the privacy officer was told of the confirmation (log, e-mail),
    ``acknowledged_at`` when they took it on (issued the confirmed receipt or closed the
    linked request).
    """

    __tablename__ = "erasure_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(index=True)
    request_id: Mapped[int | None] = mapped_column(index=True)
    erased_at: Mapped[datetime]
    receipt: Mapped[dict[str, Any]]
    lms_confirmed: Mapped[dict[str, Any]]
    lms_remains: Mapped[dict[str, Any] | None]
    confirmed_at: Mapped[datetime | None]
    notified_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]


class LegalHold(Base):
    """Keeps a category of a person's or organisation's data beyond its retention (N10)."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    category: Mapped[str] = mapped_column(sa.String(40))
    until: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.Text)
    created_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None]


class Suppression(Base):
    """Keyed hashes (HMAC-SHA256) of erased persons' identifiers: never re-imported."""

    __tablename__ = "suppressions"
    __table_args__ = (sa.UniqueConstraint("kind", "connector", "identifier_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # email | lms_user | lms_conversation
    connector: Mapped[str] = mapped_column(sa.String(64), default="")
    identifier_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None]
    lift_evidence: Mapped[str | None] = mapped_column(sa.Text)


class RetentionFloor(Base):
    """Records of a stream older than ``floor`` were deleted by retention: never re-import them."""

    __tablename__ = "retention_floors"
    __table_args__ = (sa.UniqueConstraint("connector", "stream"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connector: Mapped[str] = mapped_column(sa.String(64))
    stream: Mapped[str] = mapped_column(sa.String(40))
    floor: Mapped[int] = mapped_column(sa.BigInteger)  # LMS timestamp
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Tombstone(Base):
    """A single LMS record deleted by retention or erasure (keyed hash of its LMS key)."""

    __tablename__ = "tombstones"
    __table_args__ = (sa.UniqueConstraint("connector", "stream", "key_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connector: Mapped[str] = mapped_column(sa.String(64))
    stream: Mapped[str] = mapped_column(sa.String(40))
    key_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Append-only, keyed chain of every read or change of personal data (N12, CONTRACTS 9).

    ``seq`` numbers the rows 1, 2, 3 … without gaps; ``mac`` is the HMAC the services'
    ``audit_chain`` computes with the register secret. Rows from before migration 0002
    have ``mac`` NULL and keep their unkeyed ``prev_hash``/``row_hash`` chain (legacy);
    keyed rows leave those two NULL. Database triggers refuse UPDATE and DELETE.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    operator: Mapped[str] = mapped_column(sa.String(100))
    role: Mapped[str] = mapped_column(sa.String(20))
    action: Mapped[str] = mapped_column(sa.String(60))
    outcome: Mapped[str] = mapped_column(sa.String(20), default="ok")
    person_id: Mapped[int | None] = mapped_column(index=True)
    request_id: Mapped[int | None]
    details: Mapped[dict[str, Any] | None]
    seq: Mapped[int] = mapped_column(unique=True)
    mac: Mapped[str | None] = mapped_column(sa.String(64))
    uid: Mapped[int | None]
    host: Mapped[str | None] = mapped_column(sa.String(255))
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    row_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
