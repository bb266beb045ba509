"""`bridge check`: is the LMS set up the way the bridge needs it?

For the LMS administrator: one line per check (✓ passed, ✗ failed, ! warning), and
under every ✗ the fix in the LMS's own terms. The connector does the diagnosis
(``Connector.check()``); this command adds what only the register's configuration
knows (the hosting country) and renders the result.
"""

from __future__ import annotations

from typing import Any

import click

from bridge.cli.app import App
from bridge.cli.guard import requires
from bridge.cli.options import json_option, known_connector
from bridge.cli.render import emit_json, out
from bridge.errors import OperationFailed
from bridge.services.connectors import open_connector
from bridge.settings.identifiers import is_eu_eea
from connectors.base import Check, CheckReport

_MARKS = {"ok": "✓", "failed": "✗", "warning": "!"}


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


def check_connector(app: App, name: str) -> CheckReport:
    """Run the connector's diagnosis and add the register-side checks."""
    connector = open_connector(app.settings, name, app.connector_token(name))
    try:
        report = connector.check()
    finally:
        connector.close()
    country = app.settings.connectors[name].hosting_country
    checks = (*report.checks, hosting_check(country))
    return CheckReport(report.lms_version, checks)


def _check_json(check: Check, connector: str) -> dict[str, Any]:
    return {
        "name": check.name,
        "ok": check.ok,
        "fix": check.fix,
        "detail": check.detail,
        "warning": check.warning,
        "connector": connector,
    }


def _payload(reports: dict[str, CheckReport]) -> dict[str, Any]:
    """One object for all connectors; ``moodle_version`` is set when they agree on it."""
    versions = {r.lms_version for r in reports.values()}
    return {
        "ok": all(r.ok for r in reports.values()),
        "moodle_version": versions.pop() if len(versions) == 1 else None,
        "checks": [_check_json(c, n) for n, r in reports.items() for c in r.checks],
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
    reports = {name: check_connector(app, name) for name in names}
    if as_json:
        emit_json(_payload(reports))
    else:
        for name, report in reports.items():
            _print(name, report)
    failed = {n: r for n, r in reports.items() if not r.ok}
    if failed:
        raise OperationFailed(
            "; ".join(
                f"{n}: {sum(not c.ok and not c.warning for c in r.checks)} check(s) failed"
                for n, r in failed.items()
            )
        )


def register(cli: click.Group) -> None:
    cli.add_command(check)
