"""The daily retention job: deletes what has outlived its retention period when
``retention.auto_run`` is on and the daemon's role allows it, and otherwise only logs the
plan; see :mod:`bridge.services.ops.retention_pass`.

Several daemons on one register take the ``job:retention`` lease, so one runs it.
"""

from __future__ import annotations

from typing import Any

from bridge.clock import utcnow
from bridge.services.ops.retention_pass import retention_pass
from jobs.context import JobContext

LEASE = "job:retention"


def run(ctx: JobContext) -> dict[str, Any]:
    delete = ctx.settings.retention.auto_run
    if delete and not ctx.actor.may("retention"):
        ctx.say_once(
            "retention-role",
            "retention.auto_run is on but the daemon's role %r may not run retention; "
            "logging the plan instead (set daemon.role = \"admin\" to let it delete)",
            ctx.actor.role,
        )
        delete = False
    with ctx.exclusive(LEASE, "retention"):
        return retention_pass(ctx.sessions, ctx.settings, ctx.actor, utcnow().date(),
                              delete=delete)
