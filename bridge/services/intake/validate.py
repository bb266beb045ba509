"""The first pass over a file: every row checked before anything is written.

Checks each cell, repeated keys within the file, and what a row refers to in the register
(the person of a consent, the employer of a person, an erased person's e-mail). Rows
that repeat an earlier row exactly are skipped; a row with the key of an earlier row but
other data is rejected, naming the earlier line. Rejected rows go to the rejects file as
they are found, so memory does not grow with the number of errors.
"""

from __future__ import annotations

import csv
import hashlib
import pickle
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.files import private_file
from bridge.services.intake.formulas import as_text
from bridge.services.intake.headers import HeaderMap
from bridge.services.intake.rows import ImportRow, KindSpec, RowError, parse_row
from bridge.services.intake.sources import Sheet, SheetRow
from bridge.services.intake.writers import ids_by
from bridge.store.models import Organisation, Person
from bridge.store.queries import among

#: How many messages a report keeps (all rejected rows go to the rejects file).
KEPT_MESSAGES = 100
Progress = Callable[[str, int], None]
#: What makes two rows the same, per kind, for messages.
KEY_NAMES = {
    "persons": "e-mail", "organisations": "business ID",
    "relationships": "customer, kind and start date",
    "consents": "person, purpose, channel and date",
}


class RejectsFile:
    """The rejected rows as they were, plus the line and the reason: fix and import again
    (the extra columns are ignored then).

    The file holds personal data: it is created 0600, never through a link, and replaces
    an existing file only with ``replace`` (``--force``). It appears when closed. Cells
    that a spreadsheet program would run as formulas are written as text (OWASP CSV
    injection; :mod:`bridge.services.intake.formulas`)."""

    def __init__(self, path: Path, headers: list[str | None], delimiter: str, *,
                 replace: bool = False) -> None:
        self._file = ExitStack()
        self.handle = self._file.enter_context(
            private_file(path, replace=replace, encoding="utf-8-sig", newline=""))
        self.writer = csv.writer(self.handle, delimiter=delimiter)
        self.width = len(headers)
        self._row([*(h or "" for h in headers), "source_line", "error"])

    def _row(self, cells: list[str]) -> None:
        self.writer.writerow([as_text(c) for c in cells])

    def write(self, row: SheetRow, errors: list[RowError]) -> None:
        cells = [c or "" for c in row.cells[: self.width]]
        cells += [""] * (self.width - len(cells))
        reasons = "; ".join(f"{e.column}: {e.message}" if e.column else e.message for e in errors)
        self._row([*cells, str(row.line), reasons])

    def close(self) -> None:
        self._file.close()


class Spool:
    """The checked rows, pickled batch by batch to a temporary file: the write pass reads
    exactly what was checked, without parsing the file again or keeping it in memory."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())

    def add(self, rows: list[ImportRow]) -> None:
        if rows:
            pickle.dump(rows, self.file, protocol=pickle.HIGHEST_PROTOCOL)

    def batches(self) -> Iterator[list[ImportRow]]:
        self.file.seek(0)
        while True:
            try:
                yield pickle.load(self.file)  # our own file, written above
            except EOFError:
                return

    def close(self) -> None:
        self.file.close()


@dataclass
class Validation:
    rows: int = 0
    rejected: int = 0
    duplicates: int = 0
    #: Rows of erased persons (CONTRACTS 10), skipped rather than refused.
    suppressed: int = 0
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


#: The kinds whose rows name a person by e-mail, which the suppression list can match.
_PERSON_KINDS = frozenset({"persons", "relationships", "consents"})


def _short_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


@dataclass
class _Checker:
    """Cross-row and register checks, carried from batch to batch."""

    spec: KindSpec
    headers: HeaderMap
    suppressed: Callable[[str], bool]
    #: 64-bit hash of a key -> (row hash << 32 | line): about 100 bytes a row, not a copy
    #: of the file. A collision of two different keys is about 1 in 10^9 at 100,000 rows.
    seen: dict[int, int] = field(default_factory=dict)
    named_employers: set[str] = field(default_factory=set)

    def _label(self, name: str) -> str:
        return self.headers.label(name) if name in self.headers.index_of else ""

    def repeat(self, row: ImportRow) -> tuple[bool, RowError | None]:
        """(exact repeat of an earlier row, error for a conflicting one)."""
        key, digest = _short_hash(repr(row.key)), _short_hash(row.digest)
        earlier = self.seen.get(key)
        if earlier is None:
            self.seen[key] = digest << 32 | row.line
            return False, None
        line = earlier & 0xFFFFFFFF
        if earlier >> 32 == digest:
            return True, None
        return False, RowError(row.line, "", f"same {KEY_NAMES[self.spec.kind]} as line {line} "
                                             "but other data; keep one of the two rows")

    def erased(self, row: ImportRow) -> bool:
        """Whether the row is about an erased person: such rows are skipped, never imported
        again, and do not fail the office's master spreadsheet on re-import."""
        email = row.key[0] if self.spec.kind in _PERSON_KINDS else None
        return bool(email) and self.suppressed(str(email))

    def references(self, session: Session, rows: list[ImportRow]) -> dict[int, RowError]:
        """Errors (by line) of rows whose person or organisation is not in the register."""
        if self.spec.kind == "persons":
            errors = self._employers(session, rows)
        elif self.spec.kind in ("relationships", "consents"):
            errors = self._subjects(session, rows)
        else:
            errors = []
        return {e.line: e for e in errors}

    def _employers(self, session: Session, rows: list[ImportRow]) -> list[RowError]:
        """A persons row's employer must be in the register or named (then it is created)."""
        errors = []
        known = ids_by(session, Organisation.business_id, (r.get("business_id") for r in rows))
        for row in rows:
            bid = row.get("business_id")
            if bid and bid not in known and bid not in self.named_employers:
                if row.get("employer"):
                    self.named_employers.add(bid)
                    continue
                errors.append(RowError(
                    row.line, self._label("business_id"),
                    f"no organisation {bid} in the register: give its name "
                    f"({self._label('employer') or 'column Yritys'}) or import organisations "
                    "first"))
        return errors

    def _subjects(self, session: Session, rows: list[ImportRow]) -> list[RowError]:
        """The person (by e-mail) or organisation a relationship or consent is about."""
        errors = []
        emails = {r.key[0] for r in rows if r.key[0]}
        status_of = dict(session.execute(
            sa.select(Person.email_normalised, Person.status)
            .where(among(session, Person.email_normalised, emails))).all())
        organisations = ids_by(session, Organisation.business_id,
                               (r.get("business_id") for r in rows))
        for row in rows:
            email, bid = row.key[0], row.get("business_id")
            if email and status_of.get(email) in (None, "erased"):
                errors.append(RowError(
                    row.line, self._label("email"),
                    f"no person with e-mail {row.get('email')} in the register; import persons "
                    "first"))
            elif email is None and bid and bid not in organisations:
                errors.append(RowError(
                    row.line, self._label("business_id"),
                    f"no organisation {bid} in the register; import organisations first"))
        return errors


def _batches(sheet: Sheet, size: int) -> Iterator[list[SheetRow]]:
    batch: list[SheetRow] = []
    for row in sheet.rows():
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def validate(
    sheet: Sheet, spec: KindSpec, headers: HeaderMap, sessions: sessionmaker[Session],
    spool: Spool, *, suppressed: Callable[[str], bool], rejects: RejectsFile | None = None,
    batch_size: int = 1000, progress: Progress | None = None,
) -> Validation:
    """Check every row; the valid ones (first of repeats) go to ``spool``."""
    result = Validation()
    checker = _Checker(spec, headers, suppressed)

    def reject(row: SheetRow, errors: list[RowError]) -> None:
        result.rejected += 1
        room = KEPT_MESSAGES - len(result.errors)
        result.errors += [e.text(sheet.name) for e in errors[: max(room, 0)]]
        if rejects is not None:
            rejects.write(row, errors)

    for batch in _batches(sheet, batch_size):
        result.rows += len(batch)
        valid: list[tuple[SheetRow, ImportRow]] = []
        for raw in batch:
            parsed = parse_row(spec, headers, raw)
            if isinstance(parsed, list):
                reject(raw, parsed)
                continue
            repeated, conflict = checker.repeat(parsed)
            if conflict is not None:
                reject(raw, [conflict])
            elif repeated:
                result.duplicates += 1
                if len(result.notes) < KEPT_MESSAGES:
                    result.notes.append(f"{sheet.name}:{raw.line}: repeats an earlier row; "
                                        "skipped")
            elif checker.erased(parsed):
                result.suppressed += 1
            else:
                valid.append((raw, parsed))
        if valid:
            with sessions() as session:
                problems = checker.references(session, [row for _, row in valid])
            for raw, row in valid:
                if row.line in problems:
                    reject(raw, [problems[row.line]])
            spool.add([row for _, row in valid if row.line not in problems])
        if progress is not None:
            progress("checked", result.rows)
    if result.suppressed:
        result.notes.append(
            f"{result.suppressed} row(s) skipped: erased persons (suppression list); lift with "
            "`bridge suppression lift` for a customer who has come back"
        )
    return result
