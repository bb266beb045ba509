"""`bridge check`: is the LMS set up the way the bridge needs it?

For the LMS administrator: one line per check (✓ passed, ✗ failed, ! warning), and
under every ✗ the fix in the LMS's own terms. The connector does the diagnosis
(``Connector.check()``); this command adds what only the register's side knows (the
hosting country, how the LMS is reached, whether the register's files and the token
file are their owner's alone: ``bridge.services.local_checks``, and whether the audit
table is still append-only: ``bridge.services.audit.guard``) and renders the result. A
connector whose token file others can read is not contacted: the token is refused until
it is private.
"""

from __future__ import annotations

from typing import Any

import click

from bridge.cli.app import App
from bridge.cli.guard import requires
from bridge.cli.options import json_option, known_connector
from bridge.cli.render import emit_json, err, out
from bridge.errors import DatabaseNotReady, OperationFailed
from bridge.services.lms import open_connector
from bridge.services.local_checks import file_checks, token_file_check, transport_checks
from bridge.services.push import alarms
from bridge.settings.identifiers import is_eu_eea
from bridge.settings.loader import config_path
from connectors.base import Check, CheckReport

_MARKS = {"ok": "✓", "failed": "✗", "warning": "!"}
#: The heading of the register's own file checks.
FILES = "register files"


def _mark(check: Check) -> str:
    if check.ok:
        return _MARKS["ok"]
    return _MARKS["warning"] if check.warning else _MARKS["failed"]


def hosting_check(country: str) -> Check:
    """The notice (N9) promises EU/EEA hosting; the configuration refuses others already."""
    if is_eu_eea(country):
        return Check("hosting country", True, f"{country} is in the EU/EEA", warning=True)
    return Check(
        "hosting country",
        False,
        f"{country} is outside the EU/EEA: the privacy notice (N9) promises no transfer there",
        "Host the LMS in the EU/EEA, or change the notice before connecting this site.",
        warning=True,
    )


def append_only_check(app: App) -> Check:
    """The register's side: the audit table still refuses changes (``audit.guard``)."""
    unguarded = app.register.unguarded()
    if not unguarded:
        return Check("audit log append-only", True, "changing or deleting audit rows is refused")
    return Check(
        "audit log append-only",
        False,
        "; ".join(unguarded),
        "Create the triggers (and on PostgreSQL the runtime role's grants) again as revision "
        "0002 does (docs/deploy.md), then run `bridge audit verify`.",
    )


def check_connector(app: App, name: str) -> CheckReport:
    """Run the connector's diagnosis and add the register-side checks."""
    section = app.settings.connectors[name]
    token = token_file_check(section)
    local = (
        *((token,) if token is not None else ()),
        *transport_checks(section),
        hosting_check(section.hosting_country),
    )
    if token is not None and not token.ok:
        return CheckReport(None, local)
    connector = open_connector(app.settings, name, app.connector_token(name))
    connector.give_up_quickly_when_unreachable()  # someone waits for the answer
    try:
        report = connector.check()
    finally:
        connector.close()
    if report.ok:
        _release_held_pushes(app, name)
    return CheckReport(report.lms_version, (*report.checks, *local))


def _release_held_pushes(app: App, name: str) -> None:
    """A passing check proves every cause an alarm can have fixed: its pushes run again.
    A register whose schema is behind holds none (and check still runs on it)."""
    try:
        sessions = app.sessions
    except DatabaseNotReady:
        return
    requeued = alarms.clear(sessions, name)
    if requeued:
        err.print(f"{name}: {requeued} held push(es) queued again", markup=False)


def _check_json(check: Check, connector: str | None) -> dict[str, Any]:
    return {
        "name": check.name,
        "ok": check.ok,
        "fix": check.fix,
        "detail": check.detail,
        "warning": check.warning,
        "connector": connector,
    }


def _payload(files: CheckReport, reports: dict[str, CheckReport]) -> dict[str, Any]:
    """One object for all connectors; ``moodle_version`` is set when they agree on it. The
    register's file checks are in ``checks`` with ``connector`` null."""
    versions = {r.lms_version for r in reports.values()}
    return {
        "ok": files.ok and all(r.ok for r in reports.values()),
        "moodle_version": versions.pop() if len(versions) == 1 else None,
        "checks": [_check_json(c, None) for c in files.checks]
        + [_check_json(c, n) for n, r in reports.items() for c in r.checks],
        "connectors": {
            n: {"ok": r.ok, "moodle_version": r.lms_version} for n, r in reports.items()
        },
    }


def _print(name: str, report: CheckReport) -> None:
    verdict = "ready" if report.ok else "NOT ready"
    out.print(f"{name}: {verdict}", style="bold", markup=False)
    for check in report.checks:
        text = f"  {_mark(check)} {check.name}" + (f": {check.detail}" if check.detail else "")
        out.print(text, markup=False)
        if check.fix and not check.ok:
            out.print(f"      fix: {check.fix}", markup=False)


@click.command("check")
@click.option("--connector", "connector", help="Check only this connector (default: all).")
@json_option
@click.pass_obj
@requires("status")
def check(app: App, connector: str | None, as_json: bool) -> None:
    """Check the LMS connection, functions, account and capabilities; exit 1 if any is missing."""
    configured = list(app.settings.connectors)
    names = [known_connector(connector, configured)] if connector else configured
    if not names:
        raise OperationFailed("no connector is configured ([connectors.NAME] in the config file)")
    files = CheckReport(
        None, (*file_checks(app.settings, config_path(app.config_file)), append_only_check(app))
    )
    reports = {name: check_connector(app, name) for name in names}
    if as_json:
        emit_json(_payload(files, reports))
    else:
        for name, report in {FILES: files, **reports}.items():
            _print(name, report)
    failed = {n: r for n, r in {FILES: files, **reports}.items() if not r.ok}
    if failed:
        raise OperationFailed(
            "; ".join(
                f"{n}: {sum(not c.ok and not c.warning for c in r.checks)} check(s) failed"
                for n, r in failed.items()
            )
        )


def register(cli: click.Group) -> None:
    cli.add_command(check)
