"""`bridge db`: schema migrations of the register."""

from __future__ import annotations

import click

from bridge.cli.app import App
from bridge.cli.options import json_option
from bridge.cli.render import emit_json, out
from bridge.services.database import address, head_revision
from bridge.services.secrets import ensure_register_secret


@click.group("db")
def db() -> None:
    """The register's database."""


@db.command(
    "upgrade",
    epilog="Examples:\n\n  bridge db upgrade\n\n"
    "  bridge --config /srv/bridge/bridge.toml db upgrade",
)
@click.pass_obj
def db_upgrade(app: App) -> None:
    """Create or migrate the register schema (safe to run again)."""
    migrate(app)


def migrate(app: App) -> None:
    """Create or migrate the register and its secret; one of the two commands that may
    create a register (``bridge init`` is the other)."""
    app.may_create_register = True
    before, after = app.register.upgrade()
    created = ensure_register_secret(app.settings.register.secret_file)
    where = address(app.settings)
    if before == after:
        out.print(f"register at {where} is up to date (revision {after})")
    else:
        out.print(f"register at {where} upgraded: {before or 'empty'} → {after}")
    if created:
        out.print(f"register secret created at {app.settings.register.secret_file} (mode 0600)")


@db.command("status")
@json_option
@click.pass_obj
def db_status(app: App, as_json: bool) -> None:
    """Show the schema revision of the register and of this version."""
    current, head = app.register.revision(), head_revision()
    if as_json:
        emit_json({"current": current, "head": head, "up_to_date": current == head})
        return
    state = "up to date" if current == head else "behind: run `bridge db upgrade`"
    out.print(f"register revision {current or 'none'}, this version {head} ({state})")


def register(cli: click.Group) -> None:
    cli.add_command(db)
