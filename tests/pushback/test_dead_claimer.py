"""A killed push worker's claims are taken over at once when it was a process of this host;
a live worker's, or one on another host, only when the claim expires (push_claim_ttl)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import utcnow
from bridge.services.push.outbox import CLAIM_TTL, claim
from bridge.store.models import OutboxCommand

pytestmark = pytest.mark.registry


def gone_pid() -> int:
    """The pid of a process of this host that has ended."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


def claimed_by(sessions: sessionmaker[Session], holder: str) -> int:
    """One suspension claimed by ``holder`` a moment ago, its claim valid for CLAIM_TTL."""
    with sessions() as session, session.begin():
        command = OutboxCommand(connector="moodle", lms_user_id=41, action="suspend",
                                state="in_progress", attempts=1, claimed_by=holder,
                                claimed_until=utcnow() + CLAIM_TTL)
        session.add(command)
        session.flush()
        return command.id


def test_a_dead_local_workers_claim_is_taken_over_at_once(
    sessions: sessionmaker[Session],
) -> None:
    command_id = claimed_by(sessions, f"push@{socket.gethostname()}:{gone_pid()}:a1b2c3")
    taken = claim(sessions, f"push@{socket.gethostname()}:{os.getpid()}:d4e5f6")
    assert [c.id for c in taken] == [command_id]
    assert taken[0].claimed_by.endswith(":d4e5f6")


@pytest.mark.parametrize(
    "holder",
    [
        f"push@{socket.gethostname()}:{os.getpid()}:a1b2c3",  # alive: this very process
        "push@another-host.example:{pid}:a1b2c3",  # on another host: only the TTL can tell
    ],
    ids=["live-process", "other-host"],
)
def test_a_live_or_remote_workers_claim_waits_for_its_ttl(
    sessions: sessionmaker[Session], holder: str
) -> None:
    command_id = claimed_by(sessions, holder.format(pid=gone_pid()))
    assert claim(sessions, "push@here:1:d4e5f6") == []
    later = claim(sessions, "push@here:1:d4e5f6", now=utcnow() + CLAIM_TTL * 2)
    assert [c.id for c in later] == [command_id]
