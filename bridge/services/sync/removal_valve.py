"""The reconciliation pass of one stream, behind a safety valve.

Moodle answers a lost capability, a category hidden from the service user or a token of
the wrong site with short or empty rosters, not with an error. Like Moodle's own
``enrol_database``, which refuses to unenrol everyone when its source comes back empty,
a pass that would mark more than ``reconcile.max_removed_share`` of a stream's live rows
(users: accounts not yet marked removed), or every row of a course that still exists
and had any (enrolments, gradebook: per course), marks nothing. The run then ends
``partial``; the audit trail, the run's warnings and an ERROR log line with the stable
event ``reconcile_valve_tripped`` (the daemon's alert path) say so, with the numbers. An
operator who knows the departure is real confirms it with ``bridge sync --reconcile
--accept-removals``.

Below the valve, a listing can still be silently short (a last page with rows left out):
before an account is marked removed, the LMS is asked for it by id
(``Connector.existing_users``). Only accounts it no longer has are marked; the others are
kept as they were, and the pass reports the listing incomplete with the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.sync.listing import Listing
from bridge.services.sync.reconcile import (
    Removals,
    count_removals,
    forget_seen,
    keep,
    mark_removed,
    vanished_keys,
)
from bridge.settings.schema import ReconcileSettings
from bridge.store.base import Base
from bridge.store.models import LmsAccount
from connectors.base import Connector

log = logging.getLogger(__name__)

#: The stable event name of a tripped valve in the logs (alerting keys on it).
VALVE_EVENT = "reconcile_valve_tripped"

LIKELY_CAUSES = (
    "the service user lost a capability, a category was hidden from it, or the connector "
    "points at the wrong site"
)


def too_many(removals: Removals, settings: ReconcileSettings) -> list[str]:
    """What makes this pass implausible, in numbers; empty when it may mark."""
    problems = []
    for table, (marked, live) in removals.tables.items():
        if marked > settings.always_allowed and marked > settings.max_removed_share * live:
            problems.append(
                f"{marked} of {live} live {table} rows ({marked / live:.0%}; "
                f"limit {settings.max_removed_share:.0%})"
            )
    for table, courses in removals.emptied.items():
        emptied = [
            f"{course} ({live})" for course, live in courses if live > settings.always_allowed
        ]
        if emptied:
            problems.append(f"every {table} row of course(s) {', '.join(emptied)}")
    return problems


@dataclass(frozen=True)
class PassOutcome:
    """``state``: ``complete`` (marked), ``incomplete`` (listing not complete: nothing
    marked outside complete parts, see ``note``) or ``withheld`` (the valve refused)."""

    state: str
    removed: int = 0
    note: str | None = None


@dataclass(frozen=True)
class RemovalPass:
    connector: str
    run_id: int
    stream: str
    settings: ReconcileSettings
    accept: bool
    actor: Actor | None
    #: Asked whether accounts missing from the listing still exist before they are marked.
    lms: Connector | None = None

    def run(
        self, session: Session, models: tuple[type[Base], ...], listing: Listing, now: datetime
    ) -> PassOutcome:
        if not listing.usable:
            forget_seen(session, self.run_id)
            return PassOutcome("incomplete", note=listing.why())
        removals = count_removals(
            session, self.run_id, self.connector, models, listing.held, per_course=listing.scoped
        )
        problems = too_many(removals, self.settings)
        if problems and not self.accept:
            forget_seen(session, self.run_id)
            note = self._withhold(session, removals, problems)
            return PassOutcome("withheld", note=note)
        if problems:
            self._audit(session, "reconcile accepted", removals, problems)
        kept = self._still_in_lms(session, models)
        removed = mark_removed(session, self.run_id, self.connector, models, now, listing.held)
        if listing.held:
            return PassOutcome("incomplete", removed, listing.why())
        if kept:
            shown = ", ".join(str(k) for k in kept[:10]) + (", ..." if len(kept) > 10 else "")
            note = (
                f"listing incomplete: {len(kept)} account(s) missing from it are still in the "
                f"LMS when asked by id ({shown}); they were kept, not marked removed"
            )
            return PassOutcome("incomplete", removed, note)
        return PassOutcome("complete", removed)

    def _still_in_lms(self, session: Session, models: tuple[type[Base], ...]) -> list[int]:
        """Accounts this listing left out that the LMS still has: kept as seen."""
        if self.lms is None or LmsAccount not in models:
            return []
        missing = vanished_keys(session, self.run_id, self.connector, LmsAccount)
        kept = sorted(self.lms.existing_users(missing)) if missing else []
        keep(session, self.run_id, LmsAccount, kept)
        if kept:
            log.warning(
                "%s %s listing left out %d account(s) the LMS still has; kept",
                self.connector, self.stream, len(kept),
            )
        return kept

    def _withhold(self, session: Session, removals: Removals, problems: list[str]) -> str:
        note = (
            f"removals withheld: this pass would mark {'; '.join(problems)}. A listing this "
            f"short usually means {LIKELY_CAUSES}. Nothing was marked; if the departure is "
            "real, confirm it with `bridge sync --reconcile --accept-removals`"
        )
        log.error(
            "reconciliation of %s %s withheld: would mark %s",
            self.connector,
            self.stream,
            "; ".join(problems),
            extra={
                "ctx_event": VALVE_EVENT,
                "ctx_connector": self.connector,
                "ctx_stream": self.stream,
                "ctx_run_id": self.run_id,
            },
        )
        self._audit(session, "reconcile withheld", removals, problems, outcome="refused")
        return note

    def _audit(
        self,
        session: Session,
        action: str,
        removals: Removals,
        problems: list[str],
        outcome: str = "ok",
    ) -> None:
        if self.actor is None:  # runs without an operator (tests, scripts) audit nothing
            return
        audit.record(
            session,
            self.actor,
            action,
            outcome=outcome,
            details={
                "connector": self.connector,
                "run_id": self.run_id,
                "stream": self.stream,
                "would_mark": {
                    t: {"marked": m, "live": n} for t, (m, n) in removals.tables.items()
                },
                "emptied_courses": {t: [c for c, _ in cs] for t, cs in removals.emptied.items()},
                "problems": problems,
                "max_removed_share": self.settings.max_removed_share,
            },
        )
