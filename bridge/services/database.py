"""The register's database as a command or the daemon opens it.

The CLI and the jobs never import ``bridge.store`` or SQLAlchemy (the boundary contract
in ``pyproject.toml``): what they need of the database comes from here. An engine is
opened with the register secret bound, so every audit row written through it is signed;
sessions are handed out only on a schema this version runs on; ``bridge db`` reads and
upgrades the revision; a value the database refuses becomes a :class:`BridgeError` the
command line reports like any other. :data:`Sessions` and :data:`Session` name the types
a command or a job passes on to the services.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TypeAlias

import sqlalchemy as sa
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session, sessionmaker

from bridge.errors import BridgeError
from bridge.services.audit.chain import bind_register_secret
from bridge.services.audit.guard import append_only_problems, guard_expected
from bridge.settings import Settings
from bridge.store.db import make_engine, redacted_url, session_factory
from bridge.store.schema import current_revision, head_revision, require_current, upgrade

__all__ = [
    "Register",
    "Session",
    "Sessions",
    "ValueRefused",
    "address",
    "head_revision",
    "open_register",
    "refused_values",
]

#: Where sessions on the register come from: each call opens one.
Sessions: TypeAlias = sessionmaker[Session]


class Register:
    """The register database of one command or daemon (:func:`open_register`); :meth:`close`
    when done."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    @cached_property
    def sessions(self) -> Sessions:
        """Sessions on a register whose schema is current (else a clear refusal)."""
        require_current(self._engine)
        return session_factory(self._engine)

    def revision(self) -> str | None:
        """The register's schema revision, ``None`` for a register never migrated."""
        return current_revision(self._engine)

    def unguarded(self) -> tuple[str, ...]:
        """What of the audit table's append-only guard is gone (``audit.guard``); nothing
        for a register that predates it."""
        if not guard_expected(self.revision()):
            return ()
        with self._engine.connect() as connection:
            return append_only_problems(connection)

    def upgrade(self) -> tuple[str | None, str]:
        """Create or migrate the schema to :func:`head_revision`; returns (before, after)."""
        return upgrade(self._engine)

    def close(self) -> None:
        self._engine.dispose()


def open_register(settings: Settings, *, create: bool = False) -> Register:
    """The register ``settings`` name, its audit rows signed with the register secret.

    ``create`` lets a SQLite register file come into being: only ``bridge db upgrade``
    and ``bridge init`` ask for that (CONTRACTS 4); anything else opening a register that
    is not there is told to run ``bridge db upgrade``.
    """
    engine = make_engine(settings.database.url, create=create)
    bind_register_secret(engine, settings.register.secret_file)
    return Register(engine)


def address(settings: Settings) -> str:
    """The register's database URL as it may be shown: without its password."""
    return redacted_url(settings.database.url)


class ValueRefused(BridgeError):
    """The database refused a value that got past the field checks; nothing was changed."""

    exit_code = 2


@contextmanager
def refused_values() -> Iterator[None]:
    """Turn the database's refusal of a value into :class:`ValueRefused`.

    The database's own message and parameters quote the row (personal data), so the
    error names only the kind of refusal.
    """
    try:
        yield
    except DataError as exc:
        raise ValueRefused(
            f"the database refused a value ({type(exc.orig).__name__}); nothing was changed"
        ) from exc
