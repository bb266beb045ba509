"""The daily reminder of data-subject request deadlines; see
:mod:`bridge.services.ops.reminders`.

Several daemons take the ``job:reminders`` lease, so one sends it.
"""

from __future__ import annotations

from bridge.clock import utcnow
from bridge.services.ops.deadlines import Due
from bridge.services.ops.reminders import send_reminders
from jobs.context import JobContext, JobSkipped

LEASE = "job:reminders"


def run(ctx: JobContext) -> list[Due]:
    with ctx.exclusive(LEASE, "reminders"):
        due = send_reminders(ctx.sessions, ctx.settings, ctx.actor, utcnow().date())
    if due is None:
        raise JobSkipped("deadline reminders were already sent today", quiet=True)
    return due
