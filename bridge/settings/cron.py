"""The one reading of a crontab line (``"cron: 30 2 * * *"``): the configuration check,
the daemon's triggers and the sync engine's due times all build the same APScheduler
trigger here, so a schedule that passes ``bridge config check`` cannot fail later.
"""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger

_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def cron_trigger(expression: str, timezone: str | None = None) -> CronTrigger:
    """The trigger of a five-field crontab expression (in ``timezone``, else the
    scheduler's); ``ValueError`` names the field that APScheduler's parser refused."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"a cron schedule has five fields (minute hour day month weekday): "
                         f"{expression!r}")
    minute, hour, day, month, weekday = fields
    try:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                           day_of_week=cron_weekdays(weekday), timezone=timezone)
    except ValueError as exc:
        raise ValueError(f"not a valid cron schedule {expression!r}: {exc}") from None


def cron_weekdays(field: str) -> str:
    """Crontab weekdays (0 or 7 = Sunday) as APScheduler 3 names.

    APScheduler 3 counts 0 as *Monday*, so ``"cron: 0 3 * * 0"`` taken as it stands
    would run the weekly full sync on Monday. Numbers are spelt out as day names.
    """
    if field == "*" or not any(c.isdigit() for c in field):
        return field
    days: list[str] = []
    for part in field.split(","):
        base, _, step = part.partition("/")
        if step and not (step.isdigit() and int(step) > 0):
            raise ValueError(f"weekday step {step!r} is not a positive number")
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            start, end = base.split("-", 1)
            first, last = _day_number(start), _day_number(end)
        else:
            first = last = _day_number(base)
            if step:
                last = 6
        if last < first:  # 5-0 = Fri..Sun
            last += 7
        for number in range(first, last + 1, int(step or 1)):
            name = _CRON_DAYS[number % 7]
            if name not in days:
                days.append(name)
    return ",".join(days)


def _day_number(token: str) -> int:
    if token.isdigit():
        if int(token) > 7:
            raise ValueError(f"weekday {token} is not 0-7 (0 and 7 are Sunday)")
        return int(token) % 7
    name = token.lower()[:3]
    if len(token) != 3 or name not in _CRON_DAYS:
        raise ValueError(f"weekday {token!r} is not a day (0-7 or sun, mon, …)")
    return _CRON_DAYS.index(name)
