"""One unit of work per operator command (CONTRACTS 9).

The role check, the transaction and the audit rows of a command belong together: a refusal
is audited and nothing else happens; on success the change and its audit row commit at
once; on any error both roll back. Commands open one unit and call service functions
inside it, which write their own audit rows; a command never writes one itself.

Anything that waits for a person (a confirmation prompt) happens before a unit opens, so
no transaction stays open while the operator thinks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bridge.services.audit import Actor, authorise


@dataclass(frozen=True)
class Work:
    """What the service functions of one command need: its session and who acts."""

    session: Session
    actor: Actor


@contextmanager
def unit_of_work(
    sessions: sessionmaker[Session], actor: Actor, permission: str, action: str
) -> Iterator[Work]:
    """Check ``actor`` may ``action`` (exit 4 and an audited refusal when not), then run the
    body in one transaction: committed when it returns, rolled back when it raises."""
    authorise(sessions, actor, permission, action)
    with sessions() as session, session.begin():
        yield Work(session, actor)
