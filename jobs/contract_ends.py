"""Employer relationships whose end was recorded ahead: the employees whose only basis it
was lose access on its day; see :mod:`bridge.services.access.contract_ends`.

Withdrawing consent needs a role with the ``subject`` permission (``daemon.role = "dpo"``
or ``"admin"``). With a role that may not, the job only warns, once a day, about the ends
that are due. Several daemons on one register take the ``job:contract_ends`` lease, so
one carries them out.
"""

from __future__ import annotations

import logging

from bridge.clock import register_today
from bridge.services.access.contract_ends import DueEnd, carry_out_due, due_ends
from jobs.context import JobContext, JobSkipped

log = logging.getLogger(__name__)

LEASE = "job:contract_ends"


def run(ctx: JobContext) -> int:
    """Carry out the ends due today; returns how many employers' ends were carried out."""
    today = register_today()
    if not ctx.actor.may("subject"):
        with ctx.sessions() as session:
            due = due_ends(session, today)
        if due:
            ctx.say_once(
                f"contract-ends-role:{today.isoformat()}",
                "%d employer relationship end(s) are due (%s) but the daemon's role %r may not "
                "withdraw consent: set daemon.role = \"dpo\" (or \"admin\") to let it carry "
                "them out, or run `bridge relationship end --org BUSINESS_ID --date DATE` "
                "for each",
                len(due), _named(due), ctx.actor.role,
            )
        raise JobSkipped("the daemon's role may not withdraw consent", quiet=True)
    with ctx.exclusive(LEASE, "contract ends"):
        done = carry_out_due(ctx.sessions, ctx.settings, ctx.actor, today, ctx.stop)
    if not done:
        raise JobSkipped("no relationship end is due", quiet=True)
    for end, result in done:
        log.info(
            "relationship end of employer %s on %s carried out: %d withdrawn, %d kept access",
            end.business_id, end.date.isoformat(), len(result.withdrawn), len(result.kept),
            extra={"ctx_business_id": end.business_id},
        )
    return len(done)


def _named(due: list[DueEnd]) -> str:
    return ", ".join(f"{end.business_id} on {end.date.isoformat()}" for end in due)
