"""The suppression list: keyed hashes of erased persons' identifiers (CONTRACTS 10).

A sync never re-imports a suppressed person: their LMS records are dropped at the door,
and an account re-created under a suppressed e-mail is revoked again (drift).

What an erasure deleted must not come back through any sync, full or incremental
(CONTRACTS 6), also after Moodle has changed the shape of what is left. Moodle's
deletion takes the person out of their conversations but keeps the other members'
messages: a teacher's reply in a one-to-one conversation then lists the teacher alone as
member, and nothing in it names the person any more. So an erasure remembers, besides
the person's e-mail and LMS user id, the ids of the conversations whose other members'
messages it erased with the person's (their one-to-one conversations; every
conversation of an erased teacher), each as an ``lms_conversation`` entry. Every entry
is HMAC-SHA256 under the register secret of a domain-separated identifier
(``email:…``, ``lms:<connector>:<id>``, ``conversation:<connector>:<id>``): the register
can recognise an identifier it is shown again, but holds no personal data and cannot
list whom it erased. A record is refused when any field naming a user (including a
message's members and a log row's related user) is a suppressed LMS user, or when it is
a message of a remembered conversation. A group conversation is not remembered: its
other members' messages are their own and were never erased; the person's own messages
in it stay out through the sender.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.clock import utcnow
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.secrets import keyed_hash, register_secret
from bridge.settings import Settings
from bridge.store.models import Suppression
from bridge.store.people import normalise_email
from connectors.records import MessageRecord, Record, UserRecord

#: Record fields that name an LMS user.
USER_FIELDS = ("lms_user_id", "from_user_id", "user_id", "related_user_id")


class SuppressionList:
    def __init__(self, secret: bytes, connector: str, hashes: set[str]) -> None:
        self.secret, self.connector, self.hashes = secret, connector, hashes
        self._ids: dict[int, bool] = {}

    @classmethod
    def load(cls, session: Session, settings: Settings, connector: str) -> SuppressionList:
        hashes = set(
            session.scalars(
                sa.select(Suppression.identifier_hash).where(
                    Suppression.lifted_at.is_(None),
                    Suppression.connector.in_(("", connector)),
                )
            )
        )
        # Without suppressions there is nothing to compare, and no secret is needed.
        return cls(register_secret(settings) if hashes else b"", connector, hashes)

    def email_hash(self, email: str) -> str:
        return keyed_hash(self.secret, f"email:{normalise_email(email)}")

    def lms_hash(self, lms_user_id: int) -> str:
        return keyed_hash(self.secret, f"lms:{self.connector}:{lms_user_id}")

    def conversation_hash(self, conversation_id: int) -> str:
        return keyed_hash(self.secret, f"conversation:{self.connector}:{conversation_id}")

    def blocks_id(self, lms_user_id: int | None) -> bool:
        if lms_user_id is None or not self.hashes:
            return False
        if lms_user_id not in self._ids:
            self._ids[lms_user_id] = self.lms_hash(lms_user_id) in self.hashes
        return self._ids[lms_user_id]

    def may_block(self) -> bool:
        """Whether :meth:`blocks` can be true for any record."""
        return bool(self.hashes)

    def blocks(self, record: Record) -> bool:
        if not self.hashes:
            return False
        if (
            isinstance(record, UserRecord)
            and record.email
            and self.email_hash(record.email) in self.hashes
        ):
            self._ids[record.lms_user_id] = True
            return True
        if isinstance(record, MessageRecord) and self._blocks_message(record):
            return True
        return any(self.blocks_id(getattr(record, name, None)) for name in USER_FIELDS)

    def _blocks_message(self, record: MessageRecord) -> bool:
        """A message of an erased person's conversation, or one listing them as member."""
        if self.conversation_hash(record.lms_conversation_id) in self.hashes:
            return True
        return any(self.blocks_id(member) for member in record.member_ids)


def suppress(
    session: Session,
    settings: Settings,
    *,
    emails: Iterable[str],
    lms_ids: Iterable[tuple[str, int]],
    conversations: Iterable[tuple[str, int]] = (),
    now: datetime | None = None,
) -> int:
    """Add identifiers to the suppression list; returns how many were new. ``conversations``
    are (connector, conversation id) of the erased person's own conversations."""
    secret = register_secret(settings)
    now = now or utcnow()
    wanted = [
        ("email", "", keyed_hash(secret, f"email:{normalise_email(e)}"))
        for e in emails
        if normalise_email(e)
    ]
    wanted += [
        ("lms_user", connector, keyed_hash(secret, f"lms:{connector}:{uid}"))
        for connector, uid in lms_ids
    ]
    wanted += [
        ("lms_conversation", connector, keyed_hash(secret, f"conversation:{connector}:{cid}"))
        for connector, cid in conversations
    ]
    added = 0
    for kind, connector, digest in wanted:
        existing = session.scalars(
            sa.select(Suppression).where(
                Suppression.kind == kind,
                Suppression.connector == connector,
                Suppression.identifier_hash == digest,
            )
        ).first()
        if existing is None:
            session.add(
                Suppression(kind=kind, connector=connector, identifier_hash=digest, created_at=now)
            )
            added += 1
        elif existing.lifted_at is not None:
            existing.lifted_at, existing.lift_evidence = None, None
            added += 1
    return added


def lift(session: Session, settings: Settings, actor: Actor, *, email: str, evidence: str) -> int:
    """Let a returning customer back in (the e-mail only; LMS ids stay suppressed); audited
    with the number of entries lifted, also when there was none."""
    digest = keyed_hash(register_secret(settings), f"email:{normalise_email(email)}")
    result = session.execute(
        sa.update(Suppression)
        .where(
            Suppression.kind == "email",
            Suppression.identifier_hash == digest,
            Suppression.lifted_at.is_(None),
        )
        .values(lifted_at=utcnow(), lift_evidence=evidence)
    )
    lifted = result.rowcount or 0
    audit.record(session, actor, "suppression lift", details={"lifted": lifted})
    return lifted
