"""A daemon's start and stop in the audit trail: who ran it, on which host, as which process.

The heartbeat row says whether a daemon is alive now; these rows say, for good, when one
ran, so the trail shows an unattended actor's every appearance as it shows an operator's.
"""

from __future__ import annotations

import os
import socket

from sqlalchemy.orm import Session, sessionmaker

from bridge.services import audit
from bridge.services.audit import Actor


def record_start(sessions: sessionmaker[Session], actor: Actor) -> None:
    """Audit ``daemon start`` for this process, in a transaction of its own."""
    _record(sessions, actor, "daemon start")


def record_stop(sessions: sessionmaker[Session], actor: Actor) -> None:
    """Audit ``daemon stop`` for this process, in a transaction of its own."""
    _record(sessions, actor, "daemon stop")


def _record(sessions: sessionmaker[Session], actor: Actor, action: str) -> None:
    with sessions() as session, session.begin():
        audit.record(session, actor, action, details=_whoami())


def _whoami() -> dict[str, object]:
    return {"host": socket.gethostname(), "pid": os.getpid()}
