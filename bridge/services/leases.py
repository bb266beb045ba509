"""Leases in the register: one holder per name at a time, across processes and hosts.

A lease expires unless its holder renews it (heartbeat), so a crashed holder
blocks others for at most one time-to-live; a holder that was a process of this host
which no longer exists is taken over at once (its name carries host and pid). Taking a
lease is one atomic ``INSERT … ON CONFLICT DO UPDATE … WHERE expired`` on both SQLite
and PostgreSQL.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import utcnow
from bridge.errors import LeaseHeld
from bridge.store.dialect import insert_for
from bridge.store.models import SyncLease

log = logging.getLogger(__name__)


def holder_name(operator: str) -> str:
    """Who holds a lease: operator, host, process and a unique suffix."""
    return f"{operator}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def dead_local_holder(holder: str) -> bool:
    """Whether ``holder`` (``name@host:pid:suffix``) is a process of this host that is gone.

    A holder on another host, or one whose process we may not signal, counts as alive:
    only its time-to-live can tell.
    """
    try:
        host, pid, _ = holder.rsplit("@", 1)[1].rsplit(":", 2)
        if host != socket.gethostname():
            return False
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (ValueError, IndexError, PermissionError, OverflowError):
        return False
    return False


def acquire_or_take_over(
    sessions: sessionmaker[Session], name: str, holder: str, ttl: timedelta
) -> LeaseInfo | None:
    """:func:`try_acquire`, taking the lease over at once from a dead holder of this host."""
    other = try_acquire(sessions, name, holder, ttl)
    if other is not None and dead_local_holder(other.holder):
        log.warning("taking over lease %s from %s (process is gone)", name, other.holder)
        release(sessions, name, other.holder)
        other = try_acquire(sessions, name, holder, ttl)
    return other


@dataclass(frozen=True)
class LeaseInfo:
    name: str
    holder: str
    expires_at: datetime


def try_acquire(
    sessions: sessionmaker[Session], name: str, holder: str, ttl: timedelta
) -> LeaseInfo | None:
    """Take the lease if it is free, expired or already ours; else return who holds it."""
    now = utcnow()
    table = SyncLease.__table__
    statement = insert_for(sessions)(table).values(
        name=name, holder=holder, acquired_at=now, heartbeat_at=now, expires_at=now + ttl
    )
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.name],
        set_={
            "holder": holder,
            "acquired_at": now,
            "heartbeat_at": now,
            "expires_at": now + ttl,
        },
        where=sa.or_(table.c.expires_at < now, table.c.holder == holder),
    )
    with sessions() as session, session.begin():
        session.execute(statement)
        current = session.get(SyncLease, name)
        assert current is not None
        if current.holder == holder:
            return None
        return LeaseInfo(name, current.holder, current.expires_at)


def renew(sessions: sessionmaker[Session], name: str, holder: str, ttl: timedelta) -> bool:
    now = utcnow()
    with sessions() as session, session.begin():
        result = session.execute(
            sa.update(SyncLease)
            .where(SyncLease.name == name, SyncLease.holder == holder)
            .values(heartbeat_at=now, expires_at=now + ttl)
        )
        return bool(result.rowcount)


def release(sessions: sessionmaker[Session], name: str, holder: str) -> None:
    with sessions() as session, session.begin():
        session.execute(
            sa.delete(SyncLease).where(SyncLease.name == name, SyncLease.holder == holder)
        )


def current_lease(session: Session, name: str) -> LeaseInfo | None:
    lease = session.get(SyncLease, name)
    if lease is None or lease.expires_at < utcnow():
        return None
    return LeaseInfo(lease.name, lease.holder, lease.expires_at)


class Lease:
    """A held lease, renewed by a background heartbeat until released."""

    def __init__(
        self, sessions: sessionmaker[Session], name: str, holder: str, ttl: timedelta
    ) -> None:
        self.sessions, self.name, self.holder, self.ttl = sessions, name, holder, ttl
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease:{name}", daemon=True)

    def _beat(self) -> None:
        interval = max(self.ttl.total_seconds() / 3, 0.05)
        while not self._stop.wait(interval):
            try:
                if not renew(self.sessions, self.name, self.holder, self.ttl):
                    log.error("lease %s was lost (taken over after expiry)", self.name)
                    self.lost.set()
                    return
            except sa.exc.OperationalError as exc:  # keep beating through a short outage
                log.warning("lease %s heartbeat failed: %s", self.name, exc)

    def start(self) -> Lease:
        self._thread.start()
        return self

    def release(self) -> None:
        self._stop.set()
        self._thread.join()
        release(self.sessions, self.name, self.holder)


@contextmanager
def held_lease(
    sessions: sessionmaker[Session],
    name: str,
    holder: str,
    ttl: timedelta,
    *,
    wait: bool = False,
    stop: threading.Event | None = None,
    poll: float = 1.0,
) -> Iterator[Lease]:
    """Hold ``name`` for the block; raise :class:`LeaseHeld` (or wait for it with ``wait``)."""
    stop = stop or threading.Event()
    while True:
        other = acquire_or_take_over(sessions, name, holder, ttl)
        if other is None:
            break
        if not wait:
            raise LeaseHeld(
                f"{name} is held by {other.holder} until {other.expires_at:%Y-%m-%d %H:%M:%S}Z"
            )
        if stop.wait(poll):
            raise LeaseHeld(f"stopped while waiting for {name} held by {other.holder}")
    lease = Lease(sessions, name, holder, ttl).start()
    try:
        yield lease
    finally:
        lease.release()
