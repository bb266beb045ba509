"""`bridge config`: show and check the effective configuration (secrets masked)."""

from __future__ import annotations

import json

import click

from bridge.cli.app import App
from bridge.cli.options import json_option
from bridge.cli.render import code, emit_json, out


@click.group("config")
def config() -> None:
    """The configuration."""


@config.command("show")
@json_option
@click.pass_obj
def config_show(app: App, as_json: bool) -> None:
    """Print the effective configuration (file + environment), secrets masked."""
    effective = app.settings.model_dump(mode="json")
    if as_json:
        emit_json(effective)
        return
    code(json.dumps(effective, indent=2, ensure_ascii=False), "json")


@config.command("check")
@click.pass_obj
def config_check(app: App) -> None:
    """Load and validate the configuration; exit 0 when valid, 2 when not."""
    settings = app.settings
    for name in settings.connectors:
        app.connector_token(name)
    names = ", ".join(settings.connectors) or "none"
    out.print(f'configuration OK: register "{settings.register.name}", connectors: {names}')


def register(cli: click.Group) -> None:
    cli.add_command(config)
