"""`bridge daemon`: keep the register current and the LMS obedient, unattended.

Who may start it: the acting operator needs the ``sync`` permission (``@requires``, so a
refusal exits 4 and is audited). Once started, every job acts as ``system:daemon`` with
``daemon.role``, so the audit trail and the lease holders show the daemon, not whoever
happened to start it. Under systemd, start it as ``--operator system:daemon``.
"""

from __future__ import annotations

import logging

import click

from bridge.cli.app import App
from bridge.cli.guard import requires
from bridge.errors import ConfigError
from bridge.logs import configure_logging
from bridge.services.audit import DAEMON, resolve_actor


@click.command("daemon")
@click.option(
    "--log-format",
    "log_format",
    type=click.Choice(["text", "json"]),
    default=None,
    help="Log lines as text or JSON (default: daemon.log_format).",
)
@click.pass_context
@requires("sync")
def daemon(ctx: click.Context, log_format: str | None) -> None:
    """Run the scheduled syncs, pushes, retention, reminders and housekeeping until stopped."""
    from jobs.daemon import Daemon

    app: App = ctx.obj
    configure_logging(_level(ctx), _format(ctx, app, log_format))
    for name in app.settings.connectors:
        try:
            app.connector_token(name)  # registers the token with the log masking filter
        except ConfigError as exc:  # the sync job reports it at each slot until it is fixed
            logging.getLogger(__name__).warning("connector %s: %s", name, exc)
    runner = Daemon(
        app.settings, app.sessions, app.connector_token, actor=resolve_actor(app.settings, DAEMON)
    )
    runner.run()


def _level(ctx: click.Context) -> int:
    """INFO by default (a daemon's log is its record); -v changes nothing, -vv is DEBUG."""
    verbose = ctx.parent.params.get("verbose", 0) if ctx.parent else 0
    return logging.DEBUG if verbose >= 2 else logging.INFO


def _format(ctx: click.Context, app: App, option: str | None) -> str:
    """This command's option, else the global ``--log-format`` if given, else the config."""
    if option:
        return option
    parent = ctx.parent
    if parent is not None:
        source = parent.get_parameter_source("log_format")
        if source is not None and source.name != "DEFAULT":
            return str(parent.params["log_format"])
    return app.settings.daemon.log_format


def register(cli: click.Group) -> None:
    cli.add_command(daemon)
