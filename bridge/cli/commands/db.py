"""`bridge db`: schema migrations, backup and restore of the register."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bridge.cli.app import App
from bridge.cli.guard import requires
from bridge.cli.options import json_option, out_option
from bridge.cli.render import emit_json, out
from bridge.errors import OperationFailed, UsageError
from bridge.services.database import address, head_revision
from bridge.services.ops.backup import backup, manifest_path
from bridge.services.ops.restore import restore
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
    """Show the schema revision of the register and of this version, and whether the audit
    table is still append-only (exit 1 when not)."""
    current, head = app.register.revision(), head_revision()
    unguarded = app.register.unguarded()
    if as_json:
        emit_json(
            {
                "current": current,
                "head": head,
                "up_to_date": current == head,
                "append_only": not unguarded,
                "unguarded": list(unguarded),
            }
        )
    else:
        state = "up to date" if current == head else "behind: run `bridge db upgrade`"
        out.print(f"register revision {current or 'none'}, this version {head} ({state})")
    if unguarded:
        raise OperationFailed(
            "the audit table is not append-only: " + "; ".join(unguarded)
            + " (see docs/deploy.md; then run `bridge audit verify`)"
        )


@db.command(
    "backup",
    epilog="Examples:\n\n  bridge db backup --out /srv/backup/register-2026-12-07.bak",
)
@out_option("The backup file (created 0600; its manifest goes beside it as FILE.manifest.json).")
@click.option("--force", is_flag=True, help="Replace the file and its manifest if they exist.")
@json_option
@click.pass_obj
@requires("backup")
def db_backup(app: App, target: Path, force: bool, as_json: bool) -> None:
    """Copy the register while it runs (SQLite's online backup, or pg_dump); admin only."""
    manifest = backup(app.settings, app.sessions, app.actor, target, replace=force)
    if as_json:
        emit_json({"file": str(target), "manifest": str(manifest_path(target)),
                   **manifest.as_dict()})
        return
    out.print(f"register backed up to {target} at {manifest.taken_at} (mode 0600); keep "
              f"{manifest_path(target).name} beside it")


@db.command(
    "restore",
    epilog="Examples:\n\n  bridge db restore /srv/backup/register-2026-12-07.bak --yes",
)
@click.argument("backup_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do it without asking.")
@json_option
@click.pass_obj
@requires("backup")
def db_restore(app: App, backup_file: Path, yes: bool, as_json: bool) -> None:
    """Replace the register with a backup, then re-apply every erasure and consent
    withdrawal made since (from the journal beside the audit anchor); admin only.

    Refused while the daemon or a sync holds a lease (exit 3)."""
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("a restore replaces the whole register: add --yes")
        click.confirm(f"Replace the register at {address(app.settings)} with {backup_file}?",
                      abort=True)
    result = restore(app.settings, app.sessions, app.actor, backup_file)
    if as_json:
        emit_json(result.as_dict())
        return
    counts = result.reapplied
    out.print(
        f"register restored from {backup_file} (taken {result.taken_at}); re-applied "
        f"{counts.get('erasures', 0)} erasure(s) and {counts.get('withdrawals', 0)} "
        "withdrawal(s) recorded since; the restore is in the audit trail"
    )


def register(cli: click.Group) -> None:
    cli.add_command(db)
