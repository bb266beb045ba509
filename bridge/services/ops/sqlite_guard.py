"""On SQLite one daemon does sync and push in one process (CONTRACTS 11): it holds the
``daemon`` lease for its lifetime, and a second daemon on the same file is refused.

A lease left by a process of this host that is gone is taken over at once rather than
after its time-to-live, so a daemon restarted after a crash does not wait or exit 3.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bridge.errors import LeaseHeld
from bridge.services.leases import Lease, acquire_or_take_over, holder_name

log = logging.getLogger(__name__)

#: On SQLite, the lease that makes this the only daemon of the register.
SQLITE_GUARD = "daemon"


def take_sqlite_guard(
    sessions: sessionmaker[Session], operator: str, ttl: timedelta
) -> Lease | None:
    """Hold the ``daemon`` lease (renewed in the background) on SQLite; ``None`` on other
    databases. Raises :class:`LeaseHeld` when another live daemon holds it."""
    if sessions.kw["bind"].dialect.name != "sqlite":
        return None
    holder = holder_name(operator)
    other = acquire_or_take_over(sessions, SQLITE_GUARD, holder, ttl)
    if other is not None:
        raise LeaseHeld(
            f"another daemon ({other.holder}) runs against this SQLite register until "
            f"{other.expires_at:%Y-%m-%d %H:%M:%S}Z; on SQLite one daemon does sync and "
            "push (use PostgreSQL to run several)"
        )
    return Lease(sessions, SQLITE_GUARD, holder, ttl).start()

