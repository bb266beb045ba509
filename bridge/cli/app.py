"""What every command needs: the settings, the register and the acting operator, built lazily."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from bridge.errors import ConfigError
from bridge.logs import secret_filter
from bridge.registry.db import make_engine, session_factory
from bridge.registry.schema import require_current
from bridge.services.audit import Actor, authorise, resolve_actor
from bridge.services.audit_chain import bind_register_secret
from bridge.settings import Settings, config_path, load_settings
from bridge.settings.loader import locate_key


@dataclass
class App:
    config_file: Path | None
    operator_name: str | None = None
    _engine: sa.Engine | None = field(default=None, repr=False)

    @cached_property
    def settings(self) -> Settings:
        settings = load_settings(self.config_file)
        for connector in settings.connectors.values():
            if connector.token is not None:
                secret_filter.add(connector.token.get_secret_value())
        return settings

    def connector_token(self, name: str) -> SecretStr:
        """The connector's token; a missing or empty token file is a configuration error."""
        connector = self.settings.connectors[name]
        try:
            token = connector.resolve_token()
        except ValueError as exc:
            file = config_path(self.config_file)
            key = ["connectors", name, "token_file"]
            raise ConfigError(
                str(exc),
                file=str(file),
                key=".".join(key),
                line=locate_key(file.read_text(encoding="utf-8"), key),
            ) from None
        secret_filter.add(token.get_secret_value())
        return token

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.database.url)
            bind_register_secret(self._engine, self.settings.register.secret_file)
        return self._engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions on a register whose schema is current (else a clear refusal)."""
        require_current(self.engine)
        return session_factory(self.engine)

    @property
    def operator(self) -> str:
        return self.operator_name or os.environ.get("BRIDGE_OPERATOR") or getpass.getuser()

    @cached_property
    def actor(self) -> Actor:
        return resolve_actor(self.settings, self.operator)

    def authorise(self, permission: str, action: str) -> Actor:
        """Check the acting operator's role (exit 4 and an audit row when refused)."""
        authorise(self.sessions, self.actor, permission, action)
        return self.actor

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
