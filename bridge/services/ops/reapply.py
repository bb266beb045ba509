"""Erasures and withdrawals from the journal, done again on a restored register.

A journal line names the person only by keyed identifiers
(:mod:`bridge.services.audit.journal`), so the restored register is searched the way
the suppression list is matched: every person not yet erased is hashed, by their e-mail
and their LMS accounts' e-mails and user ids (and their register id, which names a
person who has neither), under the register secret, and a line applies to each person
sharing one of its identifiers. A person the restored register
never held (created after the backup) is simply not found: nothing of them came back.

Each match goes through the ordinary service, so an erasure suppresses, records its
receipt, audits and queues its pushes as the first time did, and a service-consent
withdrawal revokes access again. What is in effect already is skipped (an erased person,
a consent withdrawn already), which makes a second restore of the same backup harmless.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.services.audit import Actor
from bridge.services.audit.chain import audit_key, secret_file_of
from bridge.services.audit.journal import ERASURE, WITHDRAWAL, Entry, identifiers, register_id
from bridge.services.register.consents import latest_consent
from bridge.services.rights import consent, erasure
from bridge.settings import Settings
from bridge.store.models import LmsAccount, Person


def reapply(
    session: Session, settings: Settings, actor: Actor, entries: list[Entry], taken_at: str
) -> dict[str, int]:
    """Re-apply ``entries`` in journal order; returns how many of each kind took effect."""
    counts = {"erasures": 0, "withdrawals": 0, "journal_entries": len(entries), "not_found": 0}
    if not entries:
        return counts
    index = _index(session, audit_key(secret_file_of(session)))
    reason = f"re-applied after a restore from the backup of {taken_at}"
    for entry in entries:
        found = sorted({pid for digest in entry.ids for pid in index.get(digest, ())})
        if not found:
            counts["not_found"] += 1
        for person_id in found:
            person = session.get(Person, person_id)
            if person is None or person.status == "erased":
                continue
            if entry.kind == ERASURE:
                erasure.execute(session, settings, actor, person, reason=reason)
                counts["erasures"] += 1
            elif entry.kind == WITHDRAWAL and not _withdrawn(session, entry, person):
                consent.withdraw(
                    session,
                    settings,
                    actor,
                    person,
                    purpose=entry.purpose or "service",
                    channel=entry.channel,
                    reason=reason,
                )
                counts["withdrawals"] += 1
    return counts


def _withdrawn(session: Session, entry: Entry, person: Person) -> bool:
    latest = latest_consent(session, person.id, entry.purpose or "service", entry.channel)
    return latest is not None and latest.status == "withdrawn"


def _index(session: Session, key: bytes) -> dict[str, set[int]]:
    """Keyed identifier → ids of the persons not erased who hold it."""
    emails: dict[int, list[str | None]] = defaultdict(list)
    lms_ids: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for person_id, email in session.execute(
        sa.select(Person.id, Person.email_normalised).where(Person.status != "erased")
    ):
        emails[person_id].append(email)
    for person_id, connector, uid, email in session.execute(
        sa.select(
            LmsAccount.person_id,
            LmsAccount.connector,
            LmsAccount.lms_user_id,
            LmsAccount.email_normalised,
        ).where(LmsAccount.person_id.is_not(None))
    ):
        if person_id in emails:
            emails[person_id].append(email)
            lms_ids[person_id].append((connector, uid))
    index: dict[str, set[int]] = defaultdict(set)
    for person_id, found in emails.items():
        for digest in identifiers(key, found, lms_ids[person_id]):
            index[digest].add(person_id)
        index[register_id(key, person_id)].add(person_id)
    return index
