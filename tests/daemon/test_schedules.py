"""Schedules from `[daemon]` become APScheduler triggers that mean what crontab means."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bridge.settings.durations import parse_schedule
from jobs.catalogue import cron_weekdays, misfire_grace, trigger_for


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("*", "*"),
        ("0", "sun"),
        ("7", "sun"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("*/2", "sun,tue,thu,sat"),
        ("5-0", "fri,sat,sun"),
        ("mon-fri", "mon-fri"),
        ("1,3", "mon,wed"),
    ],
)
def test_crontab_weekdays_count_from_sunday(field: str, expected: str) -> None:
    assert cron_weekdays(field) == expected


def test_weekly_full_sync_at_sunday_0300_runs_on_sunday() -> None:
    trigger = trigger_for(parse_schedule("cron: 0 3 * * 0"))
    start = datetime(2025, 1, 1, tzinfo=UTC)  # a Wednesday
    fire = trigger.get_next_fire_time(None, start)
    assert fire is not None
    assert (fire.weekday(), fire.hour, fire.minute) == (6, 3, 0)


def test_interval_schedules_keep_sub_second_precision() -> None:
    trigger = trigger_for(parse_schedule("0.2s"))
    assert trigger.interval == timedelta(seconds=0.2)  # type: ignore[attr-defined]


def test_missed_slots_get_a_grace_that_fits_the_cadence() -> None:
    assert misfire_grace(parse_schedule("5m")) == 300
    assert misfire_grace(parse_schedule("0.2s")) == 1
    assert misfire_grace(parse_schedule("cron: 30 2 * * *")) == 3600
