"""Dialect-specific statements that SQLite and PostgreSQL both support with the same shape."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker


def insert_for(sessions: sessionmaker[Session] | Session) -> Any:
    """The ``insert`` that knows ``ON CONFLICT`` for the register's dialect."""
    bind = sessions.kw["bind"] if isinstance(sessions, sessionmaker) else sessions.get_bind()
    return postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert
