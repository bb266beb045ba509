"""`bridge init`: a working configuration and an empty register in one step.

The person setting up is usually the privacy officer who is also the IT admin: they
answer the questions (or give every answer as a flag, for scripts), and get a
``bridge.toml`` that works as it is, the token in a 0600 file, the register migrated,
themselves as ``admin``, and the three commands to run next.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

import click

from bridge.cli.app import App
from bridge.cli.commands.db import migrate
from bridge.cli.render import out
from bridge.cli.terminal import Terminal
from bridge.services.audit.identity import operator_name
from bridge.services.register.values import parse_email
from bridge.settings.identifiers import is_eu_eea, validate_business_id
from bridge.settings.initial import SQLITE_FILE, InitialSetup, config_problem, initial_config
from bridge.settings.loader import config_path
from bridge.settings.transport import url_problems

EXAMPLES = """\
Examples:

\b
  bridge init --moodle-url https://moodle.kraatz.fi < ~/moodle-token.txt   # asks the rest

\b
  bridge --config /srv/bridge/bridge.toml init --controller-name "BPW Kraatz Oy" \\
    --business-id 0104505-9 --address "Ruukinmestarintie 9, 02330 Espoo" \\
    --contact-name "Heini Nyman" --contact-email heini.nyman@kraatz.fi \\
    --register-name "Verkkokurssiasiakasrekisteri" \\
    --moodle-url https://moodle.kraatz.fi --token-file ~/moodle-token.txt
"""




def _ask(
    terminal: Terminal, value: str | None, flag: str, question: str, default: str | None = None
) -> str:
    """The flag's value, else a question on the terminal, else a usage error naming the
    flag (no terminal at all: cron, CI, a pipe)."""
    if value:
        return value
    if not terminal.available:
        if default is not None:
            return default
        raise click.UsageError(f"missing {flag} (no terminal to ask on: give it as a flag)")
    return terminal.ask(question, default=default)


#: Which option gives each key of the configuration ``bridge init`` writes.
OPTION_OF_KEY = {
    "register.name": "--register-name",
    "controller.name": "--controller-name",
    "controller.business_id": "--business-id",
    "controller.address": "--address",
    "controller.contact_name": "--contact-name",
    "controller.contact_email": "--contact-email",
    "controller.contact_phone": "--contact-phone",
    "connectors.moodle.url": "--moodle-url",
    "connectors.moodle.hosting_country": "--hosting-country",
    "database.url": "--database-url",
}


def _moodle_url(url: str) -> str:
    """The URL, if the bridge may reach Moodle there (the rules of ``settings.transport``)."""
    problems = url_problems(url, allow_insecure_http=False)
    if problems:
        raise ValueError("; ".join(problems))
    return url.strip()


def _hosting_country(country: str) -> str:
    if not is_eu_eea(country):
        raise ValueError(f"{country} is outside the EU/EEA; the privacy notice (N9) promises "
                         "no transfer outside the EU/EEA")
    return country.upper()


def _checked(
    terminal: Terminal, value: str | None, flag: str, question: str, check: Callable[[str], str]
) -> str:
    """An answer that passed ``check``: asked again on a terminal, else refused naming the
    flag (before any file is written)."""
    while True:
        given = _ask(terminal, value, flag, question)
        try:
            return check(given)
        except ValueError as exc:
            if value or not terminal.available:
                raise click.BadParameter(str(exc), param_hint=flag) from None
            terminal.say(f"{exc}; try again")


def _token(token_file: Path | None) -> str:
    """The web-service token from ``--token-file``, standard input (redirected) or a hidden
    prompt on standard input's terminal; never argv."""
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise click.BadParameter(
                f"cannot read {token_file}: {getattr(exc, 'strerror', None) or exc}",
                param_hint="--token-file",
            ) from None
        if not token:
            raise click.BadParameter(f"{token_file} is empty", param_hint="--token-file")
        return token
    if sys.stdin.isatty():
        return str(click.prompt("Moodle web-service token", hide_input=True)).strip()
    token = sys.stdin.read().strip()
    if not token:
        raise click.UsageError(
            "no Moodle token on standard input (give --token-file PATH, "
            "or redirect it: bridge init ... < moodle-token.txt)"
        )
    return token


def _write_private(path: Path, text: str) -> None:
    """Create ``path`` readable by its owner only, from the first byte on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


@click.command("init", epilog=EXAMPLES)
@click.option("--register-name", help="The register's name as the privacy notice gives it.")
@click.option("--controller-name", help="The controller's legal name.")
@click.option("--business-id", help="The controller's business ID (Y-tunnus), checked.")
@click.option("--address", help="The controller's postal address.")
@click.option("--contact-name", help="Contact person for register matters.")
@click.option("--contact-email", help="The contact person's e-mail address.")
@click.option("--contact-phone", help="The contact person's phone (optional).")
@click.option("--moodle-url", help="The Moodle site's address (wwwroot).")
@click.option(
    "--hosting-country", default="FI", show_default=True,
    help="Where Moodle is hosted (ISO code, EU/EEA only).",
)
@click.option(
    "--register-path",
    help=f"The register's SQLite file, relative to the configuration's folder "
    f"(default {SQLITE_FILE}).",
)
@click.option(
    "--database-url", help="A PostgreSQL URL instead of a SQLite file (postgresql+psycopg://...)."
)
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file holding the Moodle web-service token, e.g. the one php local/registrybridge/"
    "cli/setup.php wrote (default: standard input). It is copied to moodle.token (mode 0600) "
    "beside the configuration.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing configuration file.")
@click.pass_obj
def init(app: App, force: bool, token_file: Path | None, **answers: str | None) -> None:
    """Write a working bridge.toml, the token file and an empty register.

    The configuration goes where --config points (default ./bridge.toml). The Moodle
    token is read from --token-file, else standard input, else asked for without echo on
    a terminal. A missing answer is asked on your terminal even when standard input is the
    token; with no terminal at all it is an error naming its flag. You are added to
    [operators] as admin under your OS user name.
    """
    path = config_path(app.config_file)
    if path.exists() and not force:
        raise click.UsageError(f"{path} exists; give --force to overwrite it")
    if answers["register_path"] and answers["database_url"]:
        raise click.UsageError("give --register-path or --database-url, not both")
    terminal = Terminal()
    try:
        setup = _answers(terminal, answers)
    finally:
        terminal.close()
    problem = config_problem(setup)
    if problem is not None:
        key, message = problem
        raise click.BadParameter(message, param_hint=OPTION_OF_KEY.get(key, key))
    token = _token(token_file)
    _write_private(path.parent / setup.token_file, token + "\n")
    _write_private(path, initial_config(setup))
    out.print(f"configuration written to {path} (you, {setup.admin}, are its admin)")
    app.config_file = path
    migrate(app)
    _next_steps(path)


def _answers(terminal: Terminal, answers: dict[str, str | None]) -> InitialSetup:
    """The flags' answers, the missing ones asked on the terminal."""

    def ask(key: str, question: str) -> str:
        return _ask(terminal, answers[key], f"--{key.replace('_', '-')}", question)

    def checked(key: str, question: str, check: Callable[[str], str]) -> str:
        return _checked(terminal, answers[key], f"--{key.replace('_', '-')}", question, check)

    return InitialSetup(
        register_name=ask("register_name", "Register name"),
        controller_name=ask("controller_name", "Controller"),
        business_id=checked(
            "business_id", "Business ID (Y-tunnus, 1234567-8)", validate_business_id
        ),
        address=ask("address", "Controller's postal address"),
        contact_name=ask("contact_name", "Contact person"),
        contact_email=checked("contact_email", "Contact e-mail", parse_email),
        contact_phone=answers["contact_phone"],
        moodle_url=checked("moodle_url", "Moodle address (https://...)", _moodle_url),
        hosting_country=checked("hosting_country", "Hosting country", _hosting_country),
        database_url=answers["database_url"]
        or f"sqlite:///{answers['register_path'] or SQLITE_FILE}",
        admin=operator_name(),
    )


def _next_steps(path: Path) -> None:
    default = path == Path("bridge.toml")
    prefix = "bridge" if default else f"bridge --config {shlex.quote(str(path))}"
    steps = (
        ("check", "can the bridge reach Moodle?"),
        ("import persons customers.csv", "the office's customer list into the register"),
        ("sync", "pull Moodle into the register"),
    )
    width = max(len(command) for command, _ in steps)
    out.print("\nNext:")
    for command, why in steps:
        out.print(f"  {prefix} {command.ljust(width)}  # {why}")


def register(cli: click.Group) -> None:
    cli.add_command(init)
