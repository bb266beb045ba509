"""Erasure's sweep of the register's bookkeeping: what still names the person after
their own rows are gone.

Quarantine keeps a bad record on purpose (that is its job), so it is removed here for
the person erased. Run records and push rows describe work and carry no personal data
by design, but registers written by older versions quoted answer bodies in
``sync_runs.error``/``streams``, and an operator may have typed a name into a request's
note. So every free-text bookkeeping column is searched for the person's names,
e-mails and usernames, and for their LMS ids where a column holds ids by structure
(quarantine keys and payloads). A matching text is replaced whole, not only the name:
an old excerpt holds the person's other fields next to it.

On SQLite the register runs with ``secure_delete`` (the freed bytes are zeroed), and
:func:`checkpoint_after_commit` folds the write-ahead log back into the file once the
erasure is committed, so the old page images do not outlive it in ``-wal``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.store.models import (
    LmsAccount,
    OutboxCommand,
    Person,
    QuarantinedRecord,
    SubjectRequest,
    Suppression,
    SyncRun,
)

log = logging.getLogger(__name__)

#: What a scrubbed text reads afterwards.
SCRUBBED = "[removed at erasure: named an erased person]"

#: Keys of an LMS payload whose value is a user id (Moodle's names; other LMSs alike).
_USER_ID_KEYS = frozenset({"userid", "useridfrom", "useridto", "relateduserid", "realuserid"})

#: Names shorter than this are not searched for in free text: they would match words.
_MIN_TERM = 2


@dataclass(frozen=True)
class Identifiers:
    """The values that identify one person in free text, taken before they are erased."""

    terms: tuple[str, ...]
    lms_ids: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, person: Person, accounts: Sequence[LmsAccount]) -> Identifiers:
        values: list[str | None] = [person.first_name, person.last_name, person.email]
        for account in accounts:
            values += [account.first_name, account.last_name, account.email, account.username,
                       account.idnumber]
        terms = sorted({v.strip() for v in values if v and len(v.strip()) >= _MIN_TERM})
        ids = sorted({(a.connector, a.lms_user_id) for a in accounts})
        return cls(tuple(terms), tuple(ids))

    def named_in(self, value: Any) -> bool:
        """Whether a text or a JSON value names one of the terms (as a whole word)."""
        return bool(self.terms) and _pattern(self.terms).search(_as_text(value)) is not None

    def like_any(self, column: Any) -> Any:
        """A prefilter for the database: the column's text may hold a term (in any case or
        JSON escaping). :meth:`named_in` decides."""
        forms = {f for term in self.terms for f in _forms(term)}
        text = sa.cast(column, sa.Text)
        return sa.or_(*(text.ilike(f"%{_escape_like(f)}%", escape="\\") for f in sorted(forms)))


def scrub_bookkeeping(session: Session, who: Identifiers) -> dict[str, int]:
    """Remove or blank every bookkeeping row naming the person; counts per table."""
    counts = {"quarantine": _scrub_quarantine(session, who)}
    if who.terms:
        counts["sync_runs"] = _scrub_runs(session, who)
        counts["outbox"] = _scrub_texts(
            session, who, OutboxCommand, ("reason", "last_error"), blank_json=("payload",)
        )
        counts["subject_requests"] = _scrub_texts(
            session, who, SubjectRequest, ("note", "outcome", "extension_reason")
        )
        counts["suppressions"] = _scrub_texts(session, who, Suppression, ("lift_evidence",))
    counts = {table: n for table, n in counts.items() if n}
    if counts:
        log.info("erasure scrubbed bookkeeping rows: %s", counts)
    return counts


def checkpoint_after_commit(session: Session) -> None:
    """On SQLite, once the session commits, copy the WAL into the file and truncate it.

    The WAL keeps the page images of every recent transaction, including the ones the
    erasure just overwrote; ``wal_checkpoint(TRUNCATE)`` ends that. A reader still open
    elsewhere can keep the checkpoint from finishing; that is logged, and the next
    checkpoint (SQLite runs one every 1,000 pages) completes it.
    """
    engine = session.get_bind().engine
    if engine.dialect.name != "sqlite":
        return

    def checkpoint(_session: Session) -> None:
        # A raw connection: a checkpoint cannot run inside the BEGIN IMMEDIATE that the
        # engine opens for every SQLAlchemy transaction.
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            busy, *_ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            cursor.close()
        finally:
            connection.close()
        if busy:
            log.warning("erasure: a reader kept the WAL checkpoint from completing")

    sa.event.listen(session, "after_commit", checkpoint, once=True)


# --------------------------------------------------------------------------- the tables


def _scrub_quarantine(session: Session, who: Identifiers) -> int:
    """Quarantined records of the person's accounts, or naming the person: deleted."""
    doomed: dict[int, QuarantinedRecord] = {}
    for connector, uid in who.lms_ids:
        key = str(uid)
        candidates = session.scalars(
            sa.select(QuarantinedRecord).where(
                QuarantinedRecord.connector == connector,
                sa.or_(
                    QuarantinedRecord.lms_id == key,
                    QuarantinedRecord.lms_id.like(f"%:{key}"),  # grade cells: "item:user"
                    sa.cast(QuarantinedRecord.payload, sa.Text).like(f"%{key}%"),
                ),
            )
        )
        for row in candidates:
            lms_id = row.lms_id or ""
            if lms_id == key or lms_id.endswith(f":{key}") or _holds_user(row.payload, key):
                doomed[row.id] = row
    if who.terms:
        named = sa.or_(who.like_any(QuarantinedRecord.payload),
                       who.like_any(QuarantinedRecord.reason))
        for row in session.scalars(sa.select(QuarantinedRecord).where(named)):
            if who.named_in(row.payload) or who.named_in(row.reason):
                doomed[row.id] = row
    for row in doomed.values():
        session.delete(row)
    session.flush()
    return len(doomed)


def _scrub_runs(session: Session, who: Identifiers) -> int:
    rows = session.scalars(
        sa.select(SyncRun).where(
            sa.or_(who.like_any(SyncRun.error), who.like_any(SyncRun.streams))
        )
    )
    changed = 0
    for run in rows:
        hit = False
        if who.named_in(run.error):
            run.error, hit = SCRUBBED, True
        if who.named_in(run.streams):
            run.streams, hit = _blank_named(run.streams, who), True
        changed += hit
    session.flush()
    return changed


def _scrub_texts(
    session: Session,
    who: Identifiers,
    model: Any,
    texts: Iterable[str],
    blank_json: Iterable[str] = (),
) -> int:
    """Rows of ``model`` whose text columns name the person: those columns blanked."""
    texts, blank_json = tuple(texts), tuple(blank_json)
    columns = [getattr(model, name) for name in (*texts, *blank_json)]
    changed = 0
    for row in session.scalars(sa.select(model).where(sa.or_(*map(who.like_any, columns)))):
        hit = False
        for name in texts:
            if who.named_in(getattr(row, name)):
                setattr(row, name, SCRUBBED)
                hit = True
        for name in blank_json:
            if who.named_in(getattr(row, name)):
                setattr(row, name, {})
                hit = True
        changed += hit
    session.flush()
    return changed


# --------------------------------------------------------------------------- matching


def _blank_named(value: Any, who: Identifiers) -> Any:
    """``value`` with every string that names the person replaced by :data:`SCRUBBED`."""
    if isinstance(value, dict):
        return {k: _blank_named(v, who) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank_named(v, who) for v in value]
    if isinstance(value, str) and who.named_in(value):
        return SCRUBBED
    return value


def _holds_user(payload: Any, uid: str) -> bool:
    """Whether an LMS payload names ``uid`` under one of the user-id keys, at any depth."""
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key in _USER_ID_KEYS and str(value) == uid:
                return True
            if _holds_user(value, uid):
                return True
    elif isinstance(payload, list):
        return any(_holds_user(v, uid) for v in payload)
    return False


def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    """Whole-word, any case; also the ``\\u`` spelling an excerpt of Moodle's JSON holds."""
    forms = {form for term in terms for form in _forms(term)}
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _forms(term: str) -> set[str]:
    """The spellings a stored text may hold: SQLite's ILIKE folds ASCII case only, and a
    JSON column may keep non-ASCII letters as ``\\u`` escapes."""
    cases = {term, term.lower(), term.upper(), term.title(), term.capitalize()}
    return cases | {json.dumps(c)[1:-1] for c in cases}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
