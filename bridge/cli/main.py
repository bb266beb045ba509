"""The `bridge` command: global options, command registration and the one place that maps
errors to exit codes."""

from __future__ import annotations

import logging
import os
import sys
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import click

from bridge import __version__
from bridge.cli.app import App
from bridge.cli.examples import add_examples
from bridge.cli.render import err, markup_text
from bridge.errors import BridgeError
from bridge.logs import configure_logging
from bridge.services.database import refused_values

log = logging.getLogger(__name__)


class BridgeGroup(click.Group):
    """Maps every error to its exit code and a one-line message, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            # A value that got past the field checks and that the database refused comes
            # out as a BridgeError naming only the kind of refusal (the row is personal data).
            with refused_values():
                return super().invoke(ctx)
        except BridgeError as exc:  # the connectors' errors too: one root (bridge.errors)
            _fail(exc.described(), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        finally:
            app = ctx.obj
            if isinstance(app, App):
                app.close()


def _fail(message: str, code: int) -> None:
    # The message is text, not markup: "[operators]" in it must print as written.
    for line in message.splitlines() or [""]:  # one line per failure (e.g. per connector)
        err.print(f"[bold red]error:[/] {markup_text(line)}", markup=True)
    sys.exit(code)


@click.group(
    cls=BridgeGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Examples:\n\n\b\n  bridge init\n  bridge --config /srv/bridge/bridge.toml status\n"
    "  bridge sync --help",
)
@click.version_option(__version__, "--version", prog_name="bridge")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    envvar="BRIDGE_CONFIG",
    help="Configuration file (default ./bridge.toml, or $BRIDGE_CONFIG).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    help="Log lines as text for people or JSON for a log collector.",
)
@click.pass_context
def cli(
    ctx: click.Context,
    config_file: Path | None,
    verbose: int,
    log_format: str,
) -> None:
    """Keep the GDPR customer register and the LMS in step."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    configure_logging(level, log_format)
    if os.environ.get("BRIDGE_OPERATOR"):
        err.print(
            "warning: BRIDGE_OPERATOR is ignored: the acting operator is the OS user who runs "
            "bridge (the sudo caller through sudo), mapped to roles in [operators]",
            markup=False,
        )
    ctx.obj = App(config_file=config_file)


#: Modules that add commands, one per command group; each has ``register(cli)``.
COMMAND_MODULES = (
    "commands.audit",
    "commands.check",
    "commands.config",
    "commands.consent",
    "commands.db",
    "commands.hold",
    "commands.importing",
    "commands.init",
    "commands.lms",
    "commands.marketing",
    "commands.org",
    "commands.person",
    "commands.push",
    "commands.quarantine",
    "commands.relationship",
    "commands.request",
    "commands.retention",
    "commands.simulator",
    "commands.status",
    "commands.subject",
    "commands.suppression",
    "commands.sync",
    "demo.command",
)


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        import_module(f"bridge.cli.{name}").register(cli)


def _register_plugin_commands() -> None:
    """Commands of the packages above the CLI (the daemon lives in ``jobs``), found through
    the ``bridge.commands`` entry point group so the CLI never imports them."""
    for entry in entry_points(group="bridge.commands"):
        cli.add_command(entry.load(), entry.name)


_register_commands()
_register_plugin_commands()
add_examples(cli)


def main() -> None:
    cli(prog_name="bridge")
