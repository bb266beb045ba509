"""Every job of the daemon, registered in this one place, with its schedule from ``[daemon]``.

All jobs run with ``max_instances=1`` (a job never overlaps itself) and ``coalesce=True``
(slots missed while it ran collapse into one run). A job that raises is logged with its
error type and runs again at its next slot; it never takes the scheduler down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bridge.clock import utcnow
from bridge.settings.cron import cron_trigger
from bridge.settings.cron import cron_weekdays as cron_weekdays  # crontab weekdays, re-exported
from bridge.settings.durations import Schedule
from jobs import contract_ends, housekeeping, push, reminders, retention, sync
from jobs.context import JobContext, JobFailedUnderAlarm, JobRecord, JobSkipped

log = logging.getLogger(__name__)

#: A slot of a slow (cron) job that the daemon missed by up to this is still run.
CRON_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class JobSpec:
    id: str
    run: Callable[[JobContext], object]
    schedule: Schedule
    #: What the daemon's role must allow for the job to be scheduled at all.
    permission: str | None = None
    #: Run at start-up rather than waiting one interval.
    at_start: bool = False


def job_specs(ctx: JobContext) -> list[JobSpec]:
    """The daemon's jobs: per connector the three sync cadences, then the shared ones."""
    daemon = ctx.settings.daemon
    specs: list[JobSpec] = []
    for name in ctx.settings.connectors:
        specs += [
            JobSpec(f"sync:{name}", partial(sync.incremental, connector=name),
                    Schedule(interval=daemon.sync_interval), "sync", at_start=True),
            JobSpec(f"reconcile:{name}", partial(sync.reconcile, connector=name),
                    daemon.reconcile, "sync"),
            JobSpec(f"full_sync:{name}", partial(sync.full, connector=name),
                    daemon.full_sync, "sync"),
        ]
    specs += [
        JobSpec("push", push.run, Schedule(interval=daemon.push_interval), "push", at_start=True),
        JobSpec("retention", retention.run, daemon.retention),
        JobSpec("reminders", reminders.run, daemon.reminders),
        JobSpec("contract_ends", contract_ends.run, daemon.contract_ends, at_start=True),
        JobSpec("heartbeat", housekeeping.beat, Schedule(interval=daemon.heartbeat_interval)),
        JobSpec("housekeeping", housekeeping.clean,
                Schedule(interval=daemon.housekeeping_interval), at_start=True),
    ]
    return specs


def trigger_for(schedule: Schedule) -> BaseTrigger:
    if schedule.cron:
        return cron_trigger(schedule.cron)
    assert schedule.interval is not None
    return IntervalTrigger(seconds=max(schedule.interval.total_seconds(), 0.05))


def misfire_grace(schedule: Schedule) -> int:
    """A missed interval slot may still run within one interval; a cron slot within an hour."""
    if schedule.cron:
        return int(CRON_GRACE.total_seconds())
    assert schedule.interval is not None
    return max(1, int(schedule.interval.total_seconds()))


def guarded(ctx: JobContext, spec: JobSpec) -> None:
    """Run one job and record how it went; nothing it raises leaves this function."""
    with ctx.running(spec.id):
        if not ctx.stop.is_set():  # checked inside, so a shutdown either waits or is seen
            _run_recorded(ctx, spec)


def _run_recorded(ctx: JobContext, spec: JobSpec) -> None:
    record = ctx.record(spec.id)
    started = time.monotonic()
    record.last_started_at = utcnow()
    extra = {"ctx_job": spec.id}
    try:
        spec.run(ctx)
        status, error_type = "ok", None
    except JobSkipped as skipped:
        status, error_type = "skipped", None
        log.log(logging.DEBUG if skipped.quiet else logging.INFO, "job %s skipped: %s",
                spec.id, skipped, extra=extra)
    except JobFailedUnderAlarm as exc:
        status, error_type = "failed", type(exc).__name__
        log.warning("job %s failed: %s (an open alarm tells it; see `bridge status`)", spec.id,
                    exc, extra={**extra, "ctx_error_type": error_type})
    except Exception as exc:  # the daemon outlives its jobs; the next slot retries
        status, error_type = "failed", type(exc).__name__
        if ctx.stop.is_set():
            log.info("job %s ended by the stop request (%s)", spec.id, error_type, extra=extra)
        else:
            _log_failure(record, spec.id, exc, {**extra, "ctx_error_type": error_type})
    record.runs += 1
    record.failures += status == "failed"
    record.last_status, record.last_error_type = status, error_type
    if status != "failed":
        record.last_error = None
    record.last_finished_at = utcnow()
    record.last_duration_s = time.monotonic() - started


def _log_failure(record: JobRecord, job: str, exc: Exception, extra: dict[str, str]) -> None:
    """ERROR once per episode: the same failure at the next slots is a WARNING, so a dead
    token is one alarm in the log rather than one at every slot until someone fixes it."""
    said = f"{type(exc).__name__}: {exc}"
    if record.last_status == "failed" and record.last_error == said:
        log.warning("job %s still failing as at its previous slot: %s", job, said, extra=extra)
    else:
        log.error("job %s failed: %s (retried at its next slot)", job, said, extra=extra)
        log.debug("job %s traceback", job, exc_info=True, extra=extra)
    record.last_error = said


def build_scheduler(ctx: JobContext, *, timezone: str | None = None) -> BackgroundScheduler:
    """A scheduler with every job the daemon's role allows (the others are named in a warning)."""
    specs = job_specs(ctx)
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=len(specs) + 2)},
        job_defaults={"max_instances": 1, "coalesce": True},
        **({"timezone": timezone} if timezone else {}),
    )
    refused = [s.id for s in specs if s.permission and not ctx.actor.may(s.permission)]
    if refused:
        log.warning(
            "daemon role %r may not run: %s (not scheduled; see daemon.role)",
            ctx.actor.role,
            ", ".join(refused),
        )
    now = datetime.now(scheduler.timezone)
    for spec in specs:
        if spec.id in refused:
            continue
        scheduler.add_job(
            guarded,
            trigger_for(spec.schedule),
            args=(ctx, spec),
            id=spec.id,
            name=spec.id,
            misfire_grace_time=misfire_grace(spec.schedule),
            **({"next_run_time": now} if spec.at_start else {}),
        )
    return scheduler


class _QuietOverlap(logging.Filter):
    """A slot skipped because the job is still running is expected (that is max_instances=1):
    demote APScheduler's warning about it to DEBUG rather than repeat it every push poll."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "maximum number of running instances reached" in record.getMessage():
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger().isEnabledFor(logging.DEBUG)
        return True


def quiet_scheduler_logs() -> None:
    """APScheduler's own INFO lines ("Running job …" twice per push poll) only at DEBUG:
    :func:`guarded` logs what a job did. Its overlap warning goes through :class:`_QuietOverlap`."""
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logger = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(f, _QuietOverlap) for f in logger.filters):
        logger.addFilter(_QuietOverlap())
