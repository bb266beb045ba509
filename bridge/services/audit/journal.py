"""The erasure journal: what a restore from backup must do again (CONTRACTS 6).

A register restored from a backup taken before an erasure would bring the erased person
back, and one taken before a withdrawal would give their course access back. So every
erasure and every consent withdrawal also appends one line to a journal kept outside the
database, beside the audit anchor (``<secret>.journal``, same folder, same owner, mode
0600): ``bridge db restore`` re-applies every line written after the backup was taken.

A line holds no personal data: the person is named only by keyed identifiers,
HMAC-SHA256 under the register secret of the same domain-separated strings the
suppression list uses (``email:…``, ``lms:<connector>:<id>``), plus what re-applying
needs (kind, time, purpose and channel of a withdrawal). Whoever reads the journal
without the secret learns how many erasures and withdrawals there were and when, not of
whom; the register can recognise the person again by hashing what it holds.

Lines are appended after the transaction that made the change commits (never before:
a rolled-back erasure must not be re-applied to someone later), with an fsync, like the
anchor. Each line is one JSON object; the journal's position is its number of lines.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from bridge.clock import utcnow
from bridge.services.audit.chain import audit_key, secret_file_of
from bridge.services.secrets import keyed_hash
from bridge.store.models import Person
from bridge.store.people import normalise_email
from bridge.store.queries import lms_accounts

log = logging.getLogger("bridge.audit")

ERASURE = "erasure"
WITHDRAWAL = "withdrawal"
_PENDING = "erasure_journal.pending"


@dataclass(frozen=True)
class Entry:
    """One journal line: ``ids`` are the person's keyed identifiers."""

    line: int  # 1-based position in the journal
    kind: str
    at: str
    ids: frozenset[str]
    purpose: str | None = None
    channel: str | None = None


def journal_path(secret_file: Path) -> Path:
    """Beside the anchor and the secret: outside the database, same owner and mode."""
    return secret_file.with_name(secret_file.name + ".journal")


def identifiers(
    key: bytes, emails: Iterable[str | None], lms_ids: Iterable[tuple[str, int]]
) -> set[str]:
    """The keyed identifiers of e-mail addresses and (connector, LMS user id) pairs, as the
    suppression list hashes them."""
    hashed = {
        keyed_hash(key, f"email:{email}") for email in (normalise_email(e) for e in emails) if email
    }
    hashed |= {keyed_hash(key, f"lms:{connector}:{uid}") for connector, uid in lms_ids}
    return hashed


def person_identifiers(session: Session, key: bytes, person: Person) -> set[str]:
    """The keyed identifiers of ``person`` as the register holds them now; a person with
    neither e-mail nor LMS account is named by their keyed register id instead (see
    :func:`register_id`)."""
    accounts = lms_accounts(session, person.id)
    emails = [person.email_normalised, *(a.email_normalised for a in accounts)]
    found = identifiers(key, emails, [(a.connector, a.lms_user_id) for a in accounts])
    return found or {register_id(key, person.id)}


def register_id(key: bytes, person_id: int) -> str:
    """The keyed register id: safe to match because re-application always runs on the
    backup's own rows, where an id names the person it named when the backup was taken
    (persons created after it, whose ids a restored sequence may hand out again, are not
    there yet)."""
    return keyed_hash(key, f"person:{person_id}")


def note(
    session: Session,
    kind: str,
    person: Person,
    *,
    purpose: str | None = None,
    channel: str | None = None,
) -> None:
    """Journal ``kind`` for ``person`` once the session's transaction commits. Call it
    before the change anonymises the person: their identifiers are hashed now."""
    secret_file = secret_file_of(session)
    ids = person_identifiers(session, audit_key(secret_file), person)
    line: dict[str, Any] = {"kind": kind, "at": utcnow().isoformat(), "ids": sorted(ids)}
    if kind == WITHDRAWAL:
        line.update(purpose=purpose, channel=channel)
    pending: list[str] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "after_commit", _write_pending(journal_path(secret_file)), once=True)
        event.listen(session, "after_soft_rollback", _forget, once=True)
    pending.append(json.dumps(line, sort_keys=True, separators=(",", ":")))


def _write_pending(path: Path) -> Any:
    def write(session: Session) -> None:
        lines: list[str] = session.info.pop(_PENDING, None) or []
        if not lines:
            return
        try:
            append_lines(path, lines)
        except OSError as exc:
            # The change is committed; say loudly that a restore would not re-apply it.
            log.error("erasure journal %s not written (%d line(s)): %s", path, len(lines), exc)

    return write


def _forget(session: Session, _previous_transaction: Any) -> None:
    session.info.pop(_PENDING, None)


def append_lines(path: Path, lines: list[str]) -> None:
    """Append whole lines, durable once this returns; writers on one host take turns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, "".join(line + "\n" for line in lines).encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def position(path: Path) -> int:
    """How many lines the journal holds (0 when there is none yet)."""
    try:
        with path.open("rb") as handle:
            return sum(1 for _ in handle)
    except FileNotFoundError:
        return 0


def entries_after(path: Path, line: int) -> list[Entry]:
    """The entries written after position ``line``, oldest first."""
    found: list[Entry] = []
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return found
    for number, raw in enumerate(text.splitlines(), start=1):
        if number <= line or not raw.strip():
            continue
        data = json.loads(raw)
        found.append(
            Entry(
                number,
                data["kind"],
                data["at"],
                frozenset(data["ids"]),
                data.get("purpose"),
                data.get("channel"),
            )
        )
    return found
