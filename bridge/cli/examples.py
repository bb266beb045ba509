"""One or more examples for every command, shown under "Examples:" in its ``--help``.

The examples are data in one place so that they read alike and a test can walk the whole
command tree and refuse a command without one. A command that sets its own ``epilog``
keeps it; every other command gets its entry from :data:`EXAMPLES` when the CLI is built.
"""

from __future__ import annotations

from collections.abc import Iterator

import click

#: Command path (without ``bridge``) → example command lines.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "audit list": ("bridge audit list --since 2026-01-01", "bridge audit list --person 42"),
    "audit verify": ("bridge audit verify",),
    "audit anchor": ("bridge audit anchor --json > anchor-$(date +%F).json",),
    "check": ("bridge check", "bridge check --connector moodle --json"),
    "config show": ("bridge config show", "bridge config show --json | jq .connectors"),
    "config check": ("bridge --config /srv/bridge/bridge.toml config check",),
    "consent withdraw": (
        'bridge consent withdraw --email maija@example.fi --purpose service --reason "phone call"',
        "bridge consent withdraw --person 42 --purpose marketing --channel email "
        '--reason "unsubscribe link"',
        'bridge consent withdraw --org 0104505-9 --purpose service --reason "contract ended"',
    ),
    "consent grant": (
        "bridge consent grant --email maija@example.fi --purpose marketing --channel email "
        '--reason "web form" --evidence "form 2026-03-01"',
    ),
    "db upgrade": ("bridge db upgrade",),
    "db status": ("bridge db status",),
    "hold add": (
        "bridge hold add --person 42 --category customer_data --until 2032-12-31 "
        '--reason "Accounting Act 2:10"',
    ),
    "hold list": ("bridge hold list", "bridge hold list --all --json"),
    "import persons": (
        "bridge import persons examples/customers.csv --dry-run",
        "bridge import persons customers.xlsx --skip-invalid --rejects rejects.csv",
    ),
    "import organisations": ("bridge import organisations organisations.csv",),
    "import relationships": ("bridge import relationships relationships.csv",),
    "import consents": ("bridge import consents consents.csv --dry-run",),
    "import columns": ("bridge import columns --kind persons",),
    "lms unlink": ("bridge lms unlink --person 42 --connector moodle",),
    "marketing allow": (
        'bridge marketing allow --email maija@example.fi --channel email --evidence "web form"',
    ),
    "marketing deny": (
        'bridge marketing deny --person 42 --channel sms --evidence "phone call 2026-03-01"',
    ),
    "marketing audience": ("bridge marketing audience --channel email --json",),
    "org add": ('bridge org add --business-id 0104505-9 --name "BPW Kraatz Oy"',),
    "org show": ("bridge org show 0104505-9",),
    "org list": ("bridge org list --search kraatz",),
    "person add": (
        "bridge person add --first-name Maija --last-name Meikäläinen "
        "--email maija@example.fi",
    ),
    "person show": ("bridge person show maija@example.fi", "bridge person show 42 --json"),
    "person list": ("bridge person list --search meikäläinen",),
    "person edit": ("bridge person edit 42 --phone +358401234567",),
    "person link": ('bridge person link 42 --org 0104505-9 --title "Training manager"',),
    "person merge": ("bridge person merge 42 57",),
    "push run": ("bridge push run --once", "bridge push run --interval 5"),
    "push list": ("bridge push list --open", "bridge push list --failed --json"),
    "push retry": ("bridge push retry 17",),
    "quarantine list": ("bridge quarantine list --connector moodle",),
    "relationship add": (
        "bridge relationship add --person 42 --kind customer --start 2026-01-15",
    ),
    "relationship end": ("bridge relationship end --org 0104505-9 --date 2026-01-31",),
    "request open": (
        "bridge request open --email maija@example.fi --type access",
        "bridge request open --person 42 --type erasure --received 2026-03-01 --channel letter",
    ),
    "request list": ("bridge request list", "bridge request list --overdue"),
    "request close": ('bridge request close 12 --outcome "export sent by post"',),
    "request extend": ('bridge request extend 12 --reason "many courses to collect"',),
    "request reject": (
        'bridge request reject 12 --reason "invoices are kept ten years (Kirjanpitolaki 2:10)"',
    ),
    "retention plan": ("bridge retention plan --details",),
    "retention run": ("bridge retention run --yes",),
    "simulator serve": ("bridge simulator serve --size demo --port 8765",),
    "subject erase": (
        "bridge subject erase --email maija@example.fi --request 12 --dry-run",
        "bridge subject erase --person 42 --request 12 --yes",
    ),
    "subject receipt": (
        "bridge subject receipt --person 42",
        "bridge subject receipt --request 12 --format pdf --out receipt-12.pdf --lang fi",
    ),
    "subject export": (
        "bridge subject export --email maija@example.fi --format html --out maija.html",
        "bridge subject export --person 42 --out maija.json --request 12",
    ),
    "subject rectify": ("bridge subject rectify --person 42 --set last_name=Virtanen",),
    "suppression lift": (
        'bridge suppression lift --email maija@example.fi --evidence "new order 2026-05-02"',
    ),
    "sync": ("bridge sync", "bridge sync --streams users,enrolments --full"),
    "demo": ("bridge demo", "bridge demo --size tiny --keep"),
    "daemon": ("bridge daemon", "bridge --config /srv/bridge/bridge.toml daemon --log-format json"),
}


def epilog(lines: tuple[str, ...]) -> str:
    """The ``Examples:`` block; each line kept as written (click's ``\\b`` stops rewrapping)."""
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


def walk(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, click.Command]]:
    """Every command under ``command`` with its path (``"consent withdraw"``), groups too."""
    yield " ".join(path), command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from walk(sub, (*path, name))


def add_examples(cli: click.Group) -> None:
    """Give every command without an epilog of its own its examples."""
    for path, command in walk(cli):
        if path in EXAMPLES and not command.epilog:
            command.epilog = epilog(EXAMPLES[path])
