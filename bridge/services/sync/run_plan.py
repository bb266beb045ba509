"""What a sync run is asked to do (``SyncOptions``), which streams that means
(``select_streams``), and what it reports (``RunResult``, ``StreamStats``, ``Progress``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import utcnow
from bridge.errors import UsageError
from bridge.services.sync.state import is_due, load_bookmarks
from bridge.settings import Settings


@dataclass
class StreamStats:
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    quarantined: int = 0
    rows_written: int = 0
    status: str = "ok"
    error: str | None = None
    #: With ``--reconcile``: ``complete`` (removals marked), ``incomplete`` (the listing
    #: was not complete: marks left as they were) or ``withheld`` (the safety valve).
    listing: str | None = None
    #: Why, when ``listing`` is not ``complete`` (also among the run's warnings).
    note: str | None = None
    #: The LMS said nothing the stream reads changed since its last read: not read again.
    lms_unchanged: bool = False

    def public(self) -> dict[str, Any]:
        """The stream in the ``--json`` summary: its counts (issue "Moodle connector") and,
        for a stream that did not complete, its ``status`` and ``error``, so that a failed
        stream never reads as an empty one."""
        keys = ("fetched", "created", "updated", "unchanged", "removed", "quarantined")
        shown: dict[str, Any] = {k: getattr(self, k) for k in keys}
        if self.status != "ok":
            shown |= {"status": self.status, "error": self.error}
        if self.lms_unchanged:
            shown["lms_unchanged"] = True
        return shown


@dataclass
class RunResult:
    run_id: int
    connector: str
    status: str
    streams: dict[str, StreamStats]
    requests: int
    duration_s: float
    skipped: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: The LMS could not be reached at all: the URL, the cause and what to check.
    unreachable: str | None = None

    @property
    def rows_written(self) -> int:
        return sum(s.rows_written for s in self.streams.values())

    def summary(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "run_id": self.run_id,
            "status": self.status,
            "streams": {name: s.public() for name, s in self.streams.items()},
            "requests": self.requests,
            "duration_s": round(self.duration_s, 3),
        }
        if self.skipped:
            payload["skipped"] = dict(self.skipped)
        if self.warnings:
            payload["warnings"] = list(self.warnings)
        return payload


@dataclass(frozen=True)
class SyncOptions:
    streams: Sequence[str] | None = None
    full: bool = False
    all_streams: bool = False
    reconcile: bool = False
    #: Confirms a mass departure the safety valve would withhold (operator, audited).
    accept_removals: bool = False
    wait: bool = False
    trigger: str = "manual"
    operator: str = "system"


class Progress(Protocol):
    def streams_planned(self, streams: Sequence[str]) -> None: ...
    def stream_started(self, stream: str) -> None: ...
    def batch_stored(self, stream: str, stats: StreamStats) -> None: ...
    def stream_finished(self, stream: str, stats: StreamStats) -> None: ...
    def stream_abandoned(self, stream: str) -> None:
        """The LMS could not be reached: the run's result says so once, not per stream."""


class NoProgress:
    def streams_planned(self, streams: Sequence[str]) -> None: ...
    def stream_started(self, stream: str) -> None: ...
    def batch_stored(self, stream: str, stats: StreamStats) -> None: ...
    def stream_finished(self, stream: str, stats: StreamStats) -> None: ...
    def stream_abandoned(self, stream: str) -> None: ...


def select_streams(
    settings: Settings,
    sessions: sessionmaker[Session],
    connector: str,
    available: Sequence[str],
    options: SyncOptions,
) -> list[str]:
    """Which streams this run pulls: named ones, every enabled one, or those that are due."""
    section = settings.connectors[connector]
    enabled = [s for s in available if s in section.streams]
    if options.streams:
        unknown = [s for s in options.streams if s not in enabled]
        if unknown:
            raise UsageError(
                f"stream(s) not enabled for {connector}: {', '.join(unknown)} "
                f"(enabled: {', '.join(enabled)})"
            )
        return [s for s in enabled if s in options.streams]
    if options.all_streams or options.full or options.reconcile:
        return enabled
    now = utcnow()
    with sessions() as session:
        marks = load_bookmarks(session, connector)
    return [
        s
        for s in enabled
        if is_due(section.schedule[s], marks[s].last_completed_at if s in marks else None, now)
    ]


def overall_status(results: dict[str, StreamStats], *, interrupted: bool) -> str:
    """``ok``, ``partial`` or ``failed`` (CONTRACTS 3): an interrupted run, or one that
    left streams unread, is never ``ok``."""
    if interrupted:
        return "failed" if not any(s.status == "ok" for s in results.values()) else "partial"
    failed = [s for s in results.values() if s.status != "ok"]
    if not failed:
        return "ok"
    return "failed" if len(failed) == len(results) else "partial"
