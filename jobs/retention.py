"""The daily retention job: deletes what has outlived its retention period (holds honoured
by the service) when ``retention.auto_run`` is on, and otherwise only logs the plan.

Several daemons on one register take the ``job:retention`` lease, so one runs it.
"""

from __future__ import annotations

import logging
from typing import Any

from bridge.errors import LeaseHeld
from bridge.registry.base import utcnow
from bridge.services.leases import held_lease, holder_name
from bridge.services.rights import retention
from jobs.context import JobContext, JobSkipped

log = logging.getLogger(__name__)

LEASE = "job:retention"


def run(ctx: JobContext) -> dict[str, Any] | None:
    today = utcnow().date()
    auto = ctx.settings.retention.auto_run
    if auto and not ctx.actor.may("retention"):
        ctx.say_once(
            "retention-role",
            "retention.auto_run is on but the daemon's role %r may not run retention; "
            "logging the plan instead (set daemon.role = \"admin\" to let it delete)",
            ctx.actor.role,
        )
        auto = False
    holder = holder_name(ctx.actor.name)
    try:
        ttl = ctx.settings.daemon.lease_ttl
        with (
            held_lease(ctx.sessions, LEASE, holder, ttl, stop=ctx.stop),
            ctx.sessions() as session,
            session.begin(),
        ):
            if auto:
                counts = retention.run(session, ctx.settings, ctx.actor, today)
                log.info("retention run: %s", counts, extra={"ctx_counts": counts})
                return dict(counts)
            plan = retention.plan(session, ctx.settings, today)
            summary = summarise(plan.as_dict())
            log.info(
                "retention plan (auto_run is off, nothing deleted): %d item(s) due: %s",
                plan.total,
                summary,
                extra={"ctx_counts": summary},
            )
            return {"planned": plan.total}
    except LeaseHeld as exc:
        raise JobSkipped(f"retention: {exc}") from None


def summarise(plan: dict[str, Any]) -> dict[str, Any]:
    """Counts only: a plan may list persons, and logs carry no personal data."""
    summary: dict[str, Any] = {}
    for key, value in plan.items():
        if isinstance(value, bool | int | float) or value is None:
            summary[key] = value
        elif isinstance(value, str):
            continue  # free text may name a person
        elif isinstance(value, dict):
            summary[key] = summarise(value)
        else:
            try:
                summary[key] = len(value)
            except TypeError:
                summary[key] = type(value).__name__
    return summary
