"""The register's shared reads: a person's LMS accounts, messages, holds and requests,
and a row's provenance. Reads that more than one service needs live here, so that no
service borrows them from a sibling.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.store.base import Provenance
from bridge.store.models import (
    Consent,
    CustomerRelationship,
    LegalHold,
    LmsAccount,
    LmsMessage,
    Organisation,
    PersonOrganisation,
    SubjectRequest,
)


def lms_accounts(session: Session, person_id: int) -> list[LmsAccount]:
    return list(
        session.scalars(
            sa.select(LmsAccount)
            .where(LmsAccount.person_id == person_id)
            .order_by(LmsAccount.connector, LmsAccount.lms_user_id)
        )
    )


def employers_of(session: Session, person_id: int) -> list[tuple[PersonOrganisation, Organisation]]:
    """The person's employer links with the organisations, by organisation name."""
    rows = session.execute(
        sa.select(PersonOrganisation, Organisation)
        .join(Organisation, Organisation.id == PersonOrganisation.organisation_id)
        .where(PersonOrganisation.person_id == person_id)
        .order_by(Organisation.name)
    ).all()
    return [(link, org) for link, org in rows]


def relationships_of(
    session: Session, person_id: int, organisation_ids: list[int]
) -> list[CustomerRelationship]:
    """The customer relationships of the person and of the given organisations (their
    employers), oldest first."""
    return list(
        session.scalars(
            sa.select(CustomerRelationship)
            .where(
                sa.or_(
                    CustomerRelationship.person_id == person_id,
                    CustomerRelationship.organisation_id.in_(organisation_ids),
                )
            )
            .order_by(CustomerRelationship.start_date, CustomerRelationship.id)
        )
    )


def consents_of(session: Session, person_id: int) -> list[Consent]:
    """The person's consent history, oldest row first."""
    return list(
        session.scalars(
            sa.select(Consent).where(Consent.person_id == person_id).order_by(Consent.id)
        )
    )


def provenance_of(row: Provenance) -> dict[str, Any]:
    """Where a row came from and when it was seen (N7), as every view and export shows it."""
    return {
        "source": row.source,
        "source_ref": row.source_ref,
        "first_seen_at": row.first_seen_at,
        "changed_at": row.changed_at,
        "last_seen_at": row.last_seen_at,
        "removed_in_lms_at": row.removed_in_lms_at,
    }


def _conversation_messages(session: Session, account: LmsAccount) -> list[tuple[int, int, int]]:
    """(message id, conversation id, sender) of every message the account sent or whose
    recorded members include the account."""
    uid = account.lms_user_id
    candidates = session.execute(
        sa.select(
            LmsMessage.id,
            LmsMessage.lms_conversation_id,
            LmsMessage.member_ids,
            LmsMessage.from_user_id,
        ).where(
            LmsMessage.connector == account.connector,
            sa.or_(
                LmsMessage.from_user_id == uid,
                sa.cast(LmsMessage.member_ids, sa.Text).like(f"%{uid}%"),
            ),
        )
    ).all()
    return [
        (mid, conversation, sender)
        for mid, conversation, members, sender in candidates
        if sender == uid or uid in (members or [])
    ]


def conversation_message_ids(session: Session, account: LmsAccount) -> list[int]:
    """Messages of every conversation the account is a member of (JSON list of ids).

    The access export shows exactly these messages and erasure deletes exactly these, so
    both read them here.
    """
    return [mid for mid, _, _ in _conversation_messages(session, account)]


def member_conversation_ids(session: Session, account: LmsAccount) -> list[int]:
    """Conversations whose other members' messages are the account's too: those where a
    message of someone else lists the account as a member (an individual conversation;
    a group one only for its teacher, since a group message's recorded members are the
    teacher and its sender)."""
    uid = account.lms_user_id
    return sorted(
        {conversation for _, conversation, sender in _conversation_messages(session, account)
         if sender != uid}
    )


def active_holds_on(session: Session, person_id: int, today: date) -> list[LegalHold]:
    """The legal holds on one person that have neither been lifted nor run out."""
    return list(
        session.scalars(
            sa.select(LegalHold).where(
                LegalHold.person_id == person_id,
                LegalHold.lifted_at.is_(None),
                LegalHold.until >= today,
            )
        )
    )


def effective_deadline(request: SubjectRequest) -> date:
    """A request's deadline, extended or not."""
    return request.extended_deadline or request.deadline


def effective_deadline_column() -> Any:
    """``effective_deadline`` in SQL, for ordering and filtering."""
    return sa.func.coalesce(SubjectRequest.extended_deadline, SubjectRequest.deadline)


def list_requests(
    session: Session,
    today: date,
    *,
    overdue: bool = False,
    include_closed: bool = False,
    person_id: int | None = None,
) -> list[SubjectRequest]:
    """Data-subject requests by due date: open ones, overdue ones, or all (of one person)."""
    query = sa.select(SubjectRequest).order_by(effective_deadline_column(), SubjectRequest.id)
    if overdue:
        query = query.where(SubjectRequest.status == "open", effective_deadline_column() < today)
    elif not include_closed:
        query = query.where(SubjectRequest.status == "open")
    if person_id is not None:
        query = query.where(SubjectRequest.person_id == person_id)
    return list(session.scalars(query))


def among(
    session: Session, column: sa.ColumnElement[Any], values: Iterable[Any]
) -> sa.ColumnElement[bool]:
    """``column IN (…)``; on PostgreSQL with the values written into the SQL text.

    With bound values PostgreSQL's driver prepares the statement after a few batches and
    the server may keep a plan made while the table was still empty: a scan comparing
    every row with a thousand parameters, slower with every batch (100,000 rows took
    minutes). Literal values (quoted by SQLAlchemy) get a fresh plan, an index lookup,
    each time. SQLite has no such plan cache, but caches statements by their text, so
    there the values stay bound and memory stays flat.
    """
    literal = session.get_bind().dialect.name == "postgresql"
    return column.in_(sa.bindparam(None, list(values), expanding=True, literal_execute=literal))
