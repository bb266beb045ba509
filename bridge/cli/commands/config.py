"""`bridge config`: show and check the effective configuration (secrets masked)."""

from __future__ import annotations

import json

import click

from bridge.cli.app import App
from bridge.cli.options import json_option
from bridge.cli.render import code, emit_json, err, out
from bridge.services.local_checks import file_checks, transport_checks
from bridge.settings import config_path


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
    """Load and validate the configuration; exit 0 when valid, 2 when not.

    Files others can read (register, secret, anchor, a configuration holding a secret)
    and a weak transport are warnings here; a token file others can read is an error,
    since the token is refused.
    """
    settings = app.settings
    for name in settings.connectors:
        app.connector_token(name)
    warnings = [c for c in file_checks(settings, config_path(app.config_file)) if not c.ok]
    for section in settings.connectors.values():
        warnings += [c for c in transport_checks(section) if not c.ok]
    for warning in warnings:
        err.print(f"! {warning.name}: {warning.detail}", markup=False, highlight=False)
        if warning.fix:
            err.print(f"    fix: {warning.fix}", markup=False, highlight=False)
    names = ", ".join(settings.connectors) or "none"
    out.print(f'configuration OK: register "{settings.register.name}", connectors: {names}')


def register(cli: click.Group) -> None:
    cli.add_command(config)
