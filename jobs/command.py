"""`bridge daemon`: keep the register current and the LMS obedient, unattended.

Registered with the `bridge` command through the ``bridge.commands`` entry point group,
so the CLI never imports ``jobs``. The command receives the CLI's context object
duck-typed (:class:`CommandContext`) and does not import the CLI either.

Who may start it: the acting operator (the OS user, ``audit.identity``) needs a role with
the ``sync`` permission (a refusal exits 4 and is audited). Once started, every job acts
as ``system:daemon`` with ``daemon.role``, so the audit trail and the lease holders show
the daemon, not whoever happened to start it. No command line can claim that name: it is
given here, after the check, and never comes out of the OS resolution. Under systemd the
unit runs as the service account (``User=bridge``), which ``[operators]`` maps to a role
with ``sync``.
"""

from __future__ import annotations

import logging
from typing import Protocol

import click
from pydantic import SecretStr

from bridge.errors import ConfigError
from bridge.logs import configure_logging
from bridge.services.audit import Actor, authorise, daemon_actor
from bridge.services.database import Sessions
from bridge.settings import Settings
from jobs.daemon import Daemon

log = logging.getLogger(__name__)


class CommandContext(Protocol):
    """What the daemon needs of the `bridge` command's context object."""

    @property
    def settings(self) -> Settings: ...

    @property
    def sessions(self) -> Sessions: ...

    @property
    def actor(self) -> Actor: ...

    def connector_token(self, name: str) -> SecretStr: ...


@click.command("daemon")
@click.option(
    "--log-format",
    "log_format",
    type=click.Choice(["text", "json"]),
    default=None,
    help="Log lines as text or JSON (default: daemon.log_format).",
)
@click.pass_context
def daemon(ctx: click.Context, log_format: str | None) -> None:
    """Run the scheduled syncs, pushes, retention, reminders and housekeeping until stopped."""
    app: CommandContext = ctx.obj
    authorise(app.sessions, app.actor, "sync", "daemon")
    configure_logging(_level(ctx), _format(ctx, app, log_format))
    for name in app.settings.connectors:
        try:
            app.connector_token(name)  # registers the token with the log masking filter
        except ConfigError as exc:  # the sync job reports it at each slot until it is fixed
            log.warning("connector %s: %s", name, exc)
    actor = daemon_actor(app.settings)
    runner = Daemon(app.settings, app.sessions, app.connector_token, actor=actor)
    runner.run()


def _level(ctx: click.Context) -> int:
    """INFO by default (a daemon's log is its record); -v changes nothing, -vv is DEBUG."""
    verbose = ctx.parent.params.get("verbose", 0) if ctx.parent else 0
    return logging.DEBUG if verbose >= 2 else logging.INFO


def _format(ctx: click.Context, app: CommandContext, option: str | None) -> str:
    """This command's option, else the global ``--log-format`` if given, else the config."""
    if option:
        return option
    parent = ctx.parent
    if parent is not None:
        source = parent.get_parameter_source("log_format")
        if source is not None and source.name != "DEFAULT":
            return str(parent.params["log_format"])
    return app.settings.daemon.log_format
