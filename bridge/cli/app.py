"""What every command needs: the settings, the register and the acting operator, built lazily."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import click
from pydantic import SecretStr

from bridge.logs import secret_filter
from bridge.services.audit import Actor, acting_operator, authorise, record_forged_sudo
from bridge.services.audit.identity import ForgedSudo
from bridge.services.database import Register, Sessions, open_register
from bridge.services.unit_of_work import Work, unit_of_work
from bridge.settings import Settings, load_settings


@dataclass
class App:
    config_file: Path | None
    #: Only `bridge db upgrade` and `bridge init` may create the register (CONTRACTS 4).
    may_create_register: bool = False
    _register: Register | None = field(default=None, repr=False)

    @cached_property
    def settings(self) -> Settings:
        settings = load_settings(self.config_file)
        for connector in settings.connectors.values():
            if connector.token is not None:
                secret_filter.add(connector.token.get_secret_value())
        return settings

    def connector_token(self, name: str) -> SecretStr:
        """The connector's token (see :meth:`Settings.connector_token`), masked in every log."""
        token = self.settings.connector_token(name)
        secret_filter.add(token.get_secret_value())
        return token

    @property
    def register(self) -> Register:
        if self._register is None:
            self._register = open_register(self.settings, create=self.may_create_register)
        return self._register

    @property
    def sessions(self) -> Sessions:
        """Sessions on a register whose schema is current (else a clear refusal)."""
        return self.register.sessions

    @cached_property
    def actor(self) -> Actor:
        """Who runs this command, as the operating system says (the sudo caller, else the
        real uid's login name), with the roles ``[operators]`` maps to that name. Nothing
        on the command line or in the bridge's own variables can change it."""
        try:
            return acting_operator(self.settings)
        except ForgedSudo as forged:
            record_forged_sudo(self.sessions, self.settings, forged, command_action())
            raise

    @property
    def operator(self) -> str:
        return self.actor.name

    def authorise(self, permission: str) -> Actor:
        """Check the acting operator's role for a command that runs a service job with
        transactions of its own (sync, push run, import): exit 4 and an audit row when
        refused."""
        authorise(self.sessions, self.actor, permission, command_action())
        return self.actor

    def unit_of_work(self, permission: str) -> AbstractContextManager[Work]:
        """The running command's role check, transaction and audit rows as one unit."""
        return unit_of_work(self.sessions, self.actor, permission, command_action())

    def close(self) -> None:
        if self._register is not None:
            self._register.close()


def command_action() -> str:
    """The running command as the audit trail names it: `bridge quarantine list` →
    ``quarantine list``."""
    return " ".join(click.get_current_context().command_path.split()[1:])
