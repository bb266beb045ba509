"""`bridge demo`'s run: a throw-away workspace, the chosen LMS kind's simulator over real
HTTP, every step, and the summary. The simulator comes from the kind's connector
(``Connector.simulator``), so the demo names no LMS itself."""

from __future__ import annotations

import shutil
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import click

from bridge.cli.demo.steps import Demo, Outcome
from bridge.cli.render import markup_text, out, table
from bridge.files import write_private
from bridge.services.audit.identity import operator_name
from bridge.settings.connector_section import DEFAULT_KIND
from bridge.settings.template import config_text
from connectors.simulation import LmsSimulator

#: Privacy requests are polled at once, and processors appear on exports (N8).
DEMO_EXTRA = """\
[daemon]
privacy_poll = "0s"

[processors]
{kind}_hosting = {{ dpa_reference = "DPA-2024-017", purpose = "{lms} hosting" }}
"""


def run_demo(
    cli: click.Group,
    size: str = "demo",
    keep: bool = False,
    simulator: LmsSimulator | None = None,
    kind: str = DEFAULT_KIND,
) -> int:
    """Run every step of ``cli`` (the `bridge` group) against ``kind``'s ``simulator``;
    returns 0 when every available step succeeded."""
    if simulator is None:
        from bridge.settings.connector_kinds import simulator_of

        simulator = simulator_of(kind)
    workspace = Path(tempfile.mkdtemp(prefix="bridge-demo-"))
    started = time.monotonic()
    with ExitStack() as stack:
        if not keep:
            stack.callback(shutil.rmtree, workspace, ignore_errors=True)
        site = stack.enter_context(simulator.served(size, seed=1))
        token = workspace / f"{kind}.token"
        write_private(token, f"{site.token}\n".encode("ascii"))
        lms = simulator.lms_name
        (workspace / "bridge.toml").write_text(
            config_text(
                register_name="BPW Kraatz Oy Verkkokurssiasiakasrekisteri (demo)",
                secret_file=workspace / "register.secret",
                database_url=f"sqlite:///{workspace}/register.sqlite3",
                moodle_url=site.url,
                token_file=token.name,
                # The demo's commands act as whoever runs it, as every command does.
                operators={operator_name(): "admin"},
                connector=kind,
                kind=kind,
                connector_extra=simulator.demo_settings,
                extra=DEMO_EXTRA.format(kind=kind, lms=lms),
            ),
            encoding="utf-8",
        )
        out.print(
            f"[bold]lms-registry-bridge demo[/]: simulated {markup_text(lms)} ({size}) at "
            f"{markup_text(site.url)}, workspace {markup_text(workspace)}",
            markup=True,
        )
        demo = Demo(cli, workspace, kind, simulator, site)
        demo.all_steps()
        _summary(demo.outcomes, time.monotonic() - started, workspace if keep else None)
    return exit_code(demo.outcomes)


def exit_code(outcomes: list[Outcome]) -> int:
    """Non-zero when any step that is available failed; "not available" is not a failure."""
    return 1 if any(o.status == "failed" for o in outcomes) else 0


def _summary(outcomes: list[Outcome], seconds: float, kept: Path | None) -> None:
    out.rule("[bold]demo summary")
    table(
        f"demo finished in {seconds:.1f} s",
        ("step", "result", "seconds", "note"),
        [(o.title, o.status, f"{o.seconds:.1f}" if o.seconds else "", o.note) for o in outcomes],
    )
    if kept:
        out.print(f"workspace kept at {kept} (bridge --config {kept}/bridge.toml …)")
