"""The register's clock: the one place that says what time and what day it is.

Timestamps are UTC and timezone-aware everywhere; a calendar date such as a contract's
end is a day in the register's calendar (Finland's, where the controller is). Below every
layer, like ``bridge.errors``: the store, the services, the CLI and the jobs all read it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

#: The register's calendar: the day a date such as a contract's end refers to.
LOCAL_ZONE = ZoneInfo("Europe/Helsinki")


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware."""
    return datetime.now(UTC)


def register_today() -> date:
    """Today in the register's calendar (Finland's)."""
    return datetime.now(LOCAL_ZONE).date()
