"""Durations and schedules as written in the configuration: "30s", "5m", "1h", "1d",
"cron: */5 * * * *", and calendar periods for retention ("12 months", "6 years").

Every duration key has bounds (``within``), so ``timeout = "999999999d"`` is refused by
``bridge config check`` naming the key and line instead of failing at sync time; a cron
schedule is parsed by APScheduler (``cron``) at load, so the daemon cannot die on it at
start. The bounds of each key are listed in ``config.example.toml``."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

from bridge.settings.cron import cron_trigger

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_PERIOD = re.compile(r"^\s*(\d+)\s*(d|days?|mo|months?|y|years?)\s*$")


def parse_duration(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _seconds(value, value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return _seconds(float(match.group(1)) * _UNITS[match.group(2)], value[:40])
    shown = value[:40] if isinstance(value, str) else value
    raise ValueError(f'not a duration: {shown!r} (write e.g. "30s", "5m", "1h", "1d")')


def _seconds(amount: float, value: object) -> timedelta:
    """``amount`` seconds; a number no duration can hold (2**63, inf, nan) is a value error,
    so the loader names the key instead of a traceback."""
    try:
        return timedelta(seconds=float(amount))
    except (OverflowError, ValueError):
        raise ValueError(f"duration {value!r} is out of range (far too long)") from None


def format_duration(value: timedelta) -> str:
    seconds = value.total_seconds()
    for unit in ("w", "d", "h", "m"):
        if seconds and seconds % _UNITS[unit] == 0:
            return f"{int(seconds // _UNITS[unit])}{unit}"
    return f"{seconds:g}s"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
]


def _bounds(low: str, high: str) -> tuple[timedelta, timedelta]:
    return parse_duration(low), parse_duration(high)


def _check_bounds(value: timedelta, low: str, high: str) -> None:
    least, most = _bounds(low, high)
    if not least <= value <= most:
        raise ValueError(
            f"{format_duration(value)} is out of bounds: give between {low} and {high}"
        )


def within(low: str, high: str) -> AfterValidator:
    """Bounds of a ``Duration`` key: ``Annotated[Duration, within("1s", "10m")]``."""

    def check(value: timedelta) -> timedelta:
        _check_bounds(value, low, high)
        return value

    return AfterValidator(check)


def interval_within(low: str, high: str) -> AfterValidator:
    """Bounds of the interval of a ``ScheduleSpec`` key (a cron schedule has its own)."""

    def check(value: Schedule) -> Schedule:
        if value.interval is not None:
            _check_bounds(value.interval, low, high)
        return value

    return AfterValidator(check)


@dataclass(frozen=True)
class Schedule:
    """Either a fixed interval or a cron expression (five fields)."""

    interval: timedelta | None = None
    cron: str | None = None

    def __str__(self) -> str:
        return f"cron: {self.cron}" if self.cron else format_duration(self.interval or timedelta())


def parse_schedule(value: object) -> Schedule:
    if isinstance(value, Schedule):
        return value
    if isinstance(value, str) and value.strip().startswith("cron:"):
        expression = value.split(":", 1)[1].strip()
        cron_trigger(expression)  # refuses what the daemon could not schedule
        return Schedule(cron=expression)
    return Schedule(interval=parse_duration(value))


ScheduleSpec = Annotated[
    Schedule,
    BeforeValidator(parse_schedule),
    PlainSerializer(str, return_type=str, when_used="json"),
]


@dataclass(frozen=True)
class Period:
    """A calendar period: days, months or years (months are calendar months)."""

    amount: int
    unit: str  # days | months | years

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"


def parse_period(value: object) -> Period:
    if isinstance(value, Period):
        return value
    if isinstance(value, str):
        match = _PERIOD.match(value)
        if match:
            unit = match.group(2)
            name = (
                "days" if unit.startswith("d") else "months" if unit.startswith("mo") else "years"
            )
            return Period(int(match.group(1)), name)
    raise ValueError(f'not a period: {value!r} (write e.g. "30 days", "12 months", "6 years")')


PeriodSpec = Annotated[
    Period, BeforeValidator(parse_period), PlainSerializer(str, return_type=str, when_used="json")
]


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months, clamped to the target month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_period(day: date, period: Period) -> date:
    if period.unit == "days":
        return day + timedelta(days=period.amount)
    return add_months(day, period.amount * (12 if period.unit == "years" else 1))
