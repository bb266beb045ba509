"""The daemon's own bookkeeping jobs: its heartbeat row, and the register's housekeeping
(expired leases, runs of dead processes, old heartbeats); see
:mod:`bridge.services.ops.housekeeping`."""

from __future__ import annotations

from bridge.services.ops import heartbeat, housekeeping
from jobs.context import JobContext


def start_heartbeat(ctx: JobContext) -> int:
    """Write this daemon's heartbeat row; returns its id."""
    ctx.heartbeat_id = heartbeat.start_heartbeat(ctx.sessions)
    return ctx.heartbeat_id


def beat(ctx: JobContext) -> None:
    """Renew the heartbeat (re-created if someone deleted the row); the log line carries
    the audit chain's anchored head."""
    ctx.heartbeat_id = heartbeat.beat(
        ctx.sessions, ctx.heartbeat_id, ctx.settings.register.secret_file
    )


def stop_heartbeat(ctx: JobContext) -> None:
    if ctx.heartbeat_id is not None:
        heartbeat.stop_heartbeat(ctx.sessions, ctx.heartbeat_id)


def clean(ctx: JobContext) -> dict[str, int]:
    return housekeeping.clean(ctx.sessions, ctx.actor)


def release_own_leases(ctx: JobContext) -> int:
    """Drop every lease this process still holds (the last step of a shutdown)."""
    return housekeeping.release_leases_of(ctx.sessions, ctx.holder_prefix)
