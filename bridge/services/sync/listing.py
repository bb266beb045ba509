"""What one stream's batches said about how complete its listing was.

A connector cannot always list everything it was asked for: a roster moves while it is
paged, Moodle warns that it left items out. It says so on its batches
(``Batch.complete``, ``scope``, ``incomplete_reason``); :class:`Listing` gathers that per
stream so that the engine marks removals only from what was listed completely, and drift
enforcement acts only on accounts whose data this run actually read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.records import Batch, UserRecord


def _course_of(scope: Mapping[str, Any] | None) -> int | None:
    value = scope.get("course") if scope else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass
class Listing:
    """``whole``: a batch closed a complete listing of everything. ``scoped``: the stream
    lists course by course, and ``held`` are the courses whose listing was incomplete
    (their marks stay as they were). ``users`` are the LMS user ids listed this run.
    ``unchanged``: the LMS said nothing the stream reads changed since its last complete
    read, so the register's copy is as current as a complete listing would make it."""

    whole: bool = False
    scoped: bool = False
    held: set[int] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)
    users: set[int] = field(default_factory=set)
    unchanged: bool = False

    def note(self, batch: Batch) -> None:
        self.unchanged = self.unchanged or batch.unchanged
        self.users.update(r.lms_user_id for r in batch.records if isinstance(r, UserRecord))
        course = _course_of(batch.scope)
        if batch.incomplete_reason and batch.incomplete_reason not in self.reasons:
            self.reasons.append(batch.incomplete_reason)
        if course is not None:
            self.scoped = True
            if not batch.complete:
                self.held.add(course)
        elif batch.complete:
            self.whole = True

    @property
    def usable(self) -> bool:
        """Whether removals may be marked from this listing (outside the held courses)."""
        return self.whole or self.scoped

    @property
    def complete(self) -> bool:
        """Whether everything was listed (no part of the stream is held), or nothing
        changed since the last complete listing."""
        return self.unchanged or (self.usable and not self.held)

    def why(self) -> str:
        """Why the listing was not complete, for the run's warnings and `bridge status`."""
        reasons = "; ".join(self.reasons) or "the connector did not report a complete listing"
        if self.usable:
            courses = ", ".join(str(c) for c in sorted(self.held))
            return (
                f"listing incomplete for course(s) {courses} ({reasons}); their removal "
                "marks were left as they were"
            )
        return f"listing incomplete ({reasons}); removal marks were left as they were"
