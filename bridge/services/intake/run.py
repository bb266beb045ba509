"""One import run: read and check the whole file, then write it in batches.

Without ``skip_invalid`` a file with any invalid row imports nothing. The write pass
commits one transaction per batch (1,000 rows by default), so a long import never holds
the register's write lock for long; a dry run does the same work in one transaction and
rolls it back, so what it reports is exactly what the import would do. Each run writes
one audit row with its counts (CONTRACTS 9).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import utcnow
from bridge.errors import UsageError
from bridge.services import audit
from bridge.services.access.revocation import revoke_access
from bridge.services.access.suppression import SuppressionList
from bridge.services.audit import Actor
from bridge.services.intake.consents import write_consents
from bridge.services.intake.headers import KINDS, map_headers
from bridge.services.intake.rows import ImportRow, build_spec, check_columns
from bridge.services.intake.sources import CsvSheet, Sheet, open_sheet
from bridge.services.intake.validate import (
    Progress,
    RejectsFile,
    Spool,
    Validation,
    validate,
)
from bridge.services.intake.writers import (
    Counts,
    WriteContext,
    write_organisations,
    write_persons,
    write_relationships,
)
from bridge.settings import Settings

#: Provenance sources an import may give its rows (N7); ``lms_sync`` and ``data_subject``
#: belong to the sync and to requests.
IMPORT_SOURCES = ("registration", "admin")
Writer = Callable[[Session, WriteContext, list[ImportRow]], None]
WRITERS: dict[str, Writer] = {
    "persons": write_persons,
    "organisations": write_organisations,
    "relationships": write_relationships,
    "consents": write_consents,
}


@dataclass(frozen=True)
class ImportOptions:
    kind: str
    path: Path
    dry_run: bool = False
    skip_invalid: bool = False
    rejects_path: Path | None = None
    #: Replace an existing rejects file (``--force``); without it an existing one is refused.
    replace_rejects: bool = False
    #: Provenance source; default ``registration`` for persons and consents (the customer
    #: spreadsheet), ``admin`` for organisations and relationships.
    source: str | None = None
    batch_size: int = 1000


@dataclass
class ImportReport:
    kind: str
    file: str
    run_id: str
    dry_run: bool
    read_as: str
    #: ok | invalid (invalid rows and no skip_invalid: nothing imported) | failed (an error
    #: stopped the write pass; batches before it are in)
    status: str = "ok"
    rows: int = 0
    rejected: int = 0
    duplicates: int = 0
    #: Rows of erased persons skipped (the suppression list).
    suppressed: int = 0
    counts: Counts = field(default_factory=Counts)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    rejects_file: str | None = None

    def summary(self) -> dict[str, Any]:
        """The ``--json`` shape of ``bridge import``."""
        return {
            "kind": self.kind, "file": self.file, "run_id": self.run_id,
            "dry_run": self.dry_run, "status": self.status, "read_as": self.read_as,
            "rows": self.rows, **self.counts.as_dict(), "duplicates": self.duplicates,
            "suppressed": self.suppressed, "rejected": self.rejected, "errors": self.errors,
            "notes": self.notes,
            "ignored_columns": self.ignored_columns, "rejects_file": self.rejects_file,
        }

    @property
    def changes(self) -> int:
        c = self.counts
        return c.created + c.updated + c.organisations_created + c.linked_lms_accounts


def new_run_id() -> str:
    """Sortable and unique enough for an operator's imports: time plus 16 random bits."""
    return f"{utcnow():%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _suppression_check(
    sessions: sessionmaker[Session], settings: Settings
) -> Callable[[str], bool]:
    """Whether an e-mail belongs to an erased person (CONTRACTS 10): never imported again."""
    with sessions() as session:
        suppression = SuppressionList.load(session, settings, "")
    if not suppression.hashes:
        return lambda email: False
    return lambda email: suppression.email_hash(email) in suppression.hashes


Unit = Callable[[], AbstractContextManager[Session]]


@contextmanager
def _units(sessions: sessionmaker[Session], dry_run: bool) -> Iterator[Unit]:
    """Yields a factory of per-batch transactions: real ones, or one rolled-back one."""
    if not dry_run:
        @contextmanager
        def unit() -> Iterator[Session]:
            with sessions() as session, session.begin():
                yield session

        yield unit
        return
    with sessions() as session:
        transaction = session.begin()

        @contextmanager
        def shared() -> Iterator[Session]:
            yield session
            session.flush()

        try:
            yield shared
        finally:
            transaction.rollback()


def import_file(
    sessions: sessionmaker[Session], settings: Settings, actor: Actor, options: ImportOptions,
    *, progress: Progress | None = None,
) -> ImportReport:
    """Import one spreadsheet of ``options.kind``; see the module docstring."""
    if options.kind not in KINDS:
        raise UsageError(f"unknown import kind {options.kind!r}; choose one of {', '.join(KINDS)}")
    sheet: Sheet = open_sheet(options.path)
    headers = map_headers(options.kind, sheet.headers, sheet.name)
    spec = build_spec(options.kind, tuple(settings.marketing.channels))
    check_columns(spec, headers, sheet.name)
    source = options.source or spec.default_source
    if source not in IMPORT_SOURCES:
        raise UsageError(f"source {source!r}: an import is {' or '.join(IMPORT_SOURCES)}")
    report = ImportReport(options.kind, sheet.name, new_run_id(), options.dry_run,
                          sheet.description, ignored_columns=headers.ignored)
    rejects: RejectsFile | None = None
    if options.rejects_path is not None:
        delimiter = sheet.delimiter if isinstance(sheet, CsvSheet) else ";"
        rejects = RejectsFile(options.rejects_path, sheet.headers, delimiter,
                              replace=options.replace_rejects)
        report.rejects_file = str(options.rejects_path)
    spool = Spool()
    try:
        checked = validate(sheet, spec, headers, sessions, spool,
                           suppressed=_suppression_check(sessions, settings), rejects=rejects,
                           batch_size=options.batch_size, progress=progress)
        _take(report, checked)
        if checked.rejected and not options.skip_invalid:
            report.status = "invalid"
        else:
            context = WriteContext(
                source, report.run_id, sheet.name, actor.name, utcnow(), report.counts,
                revoke=lambda session, person, reason: revoke_access(
                    session, settings, actor, person, reason))
            _write(sessions, context, WRITERS[options.kind], spool, options.dry_run, progress)
            report.notes += context.notes
    except Exception:
        # Batches written before the failure stay (each was committed whole); running the
        # import again finishes it, since unchanged rows are skipped. The run is audited.
        report.status = "failed"
        _audit(sessions, actor, report, options)
        raise
    finally:
        spool.close()
        if rejects is not None:
            rejects.close()
    _audit(sessions, actor, report, options)
    return report


def _write(sessions: sessionmaker[Session], context: WriteContext, write: Writer,
           spool: Spool, dry_run: bool, progress: Progress | None) -> None:
    written = 0
    with _units(sessions, dry_run) as unit:
        for batch in spool.batches():
            with unit() as session:
                write(session, context, batch)
            written += len(batch)
            if progress is not None:
                progress("written", written)


def _take(report: ImportReport, checked: Validation) -> None:
    report.rows, report.rejected, report.duplicates, report.suppressed = (
        checked.rows, checked.rejected, checked.duplicates, checked.suppressed)
    report.errors, report.notes = checked.errors, checked.notes


def _audit(sessions: sessionmaker[Session], actor: Actor, report: ImportReport,
           options: ImportOptions) -> None:
    details = {
        "run_id": report.run_id, "file": report.file, "sha256": _file_hash(options.path),
        "dry_run": report.dry_run, "status": report.status, "rows": report.rows,
        "rejected": report.rejected, "duplicates": report.duplicates,
        "suppressed": report.suppressed, **report.counts.as_dict(),
    }
    with sessions() as session, session.begin():
        audit.record(session, actor, f"import {report.kind}", details=details,
                     outcome="ok" if report.status == "ok" else "refused")
