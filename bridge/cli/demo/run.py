"""`bridge demo`'s run: a throw-away workspace, the built-in Moodle simulator over real HTTP,
every step, and the summary. The simulator is imported here, by the demo, and by no other
product module than the simulator command."""

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
from bridge.settings.template import config_text
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.server import running_server

#: Privacy requests are polled at once, and processors appear on exports (N8).
DEMO_EXTRA = """\
[daemon]
privacy_poll = "0s"

[processors]
moodle_hosting = { dpa_reference = "DPA-2024-017", purpose = "Moodle hosting" }
"""


def run_demo(cli: click.Group, size: str = "demo", keep: bool = False) -> int:
    """Run every step of ``cli`` (the `bridge` group); returns 0 when every available step
    succeeded."""
    workspace = Path(tempfile.mkdtemp(prefix="bridge-demo-"))
    started = time.monotonic()
    with ExitStack() as stack:
        if not keep:
            stack.callback(shutil.rmtree, workspace, ignore_errors=True)
        sim = SimulatedMoodle(size, seed=1)
        url = stack.enter_context(running_server(sim))
        token = workspace / "moodle.token"
        write_private(token, f"{sim.token}\n".encode("ascii"))
        (workspace / "bridge.toml").write_text(
            config_text(
                register_name="BPW Kraatz Oy Verkkokurssiasiakasrekisteri (demo)",
                secret_file=workspace / "register.secret",
                database_url=f"sqlite:///{workspace}/register.sqlite3",
                moodle_url=url,
                token_file="moodle.token",
                # The demo's commands act as whoever runs it, as every command does.
                operators={operator_name(): "admin"},
                extra=DEMO_EXTRA,
            ),
            encoding="utf-8",
        )
        out.print(
            f"[bold]lms-registry-bridge demo[/]: simulated Moodle ({size}) at "
            f"{markup_text(url)}, workspace {markup_text(workspace)}",
            markup=True,
        )
        demo = Demo(cli, workspace, url, sim)
        demo.all_steps()
        _summary(demo.outcomes, time.monotonic() - started, workspace if keep else None)
    return exit_code(demo.outcomes)


def exit_code(outcomes: list[Outcome]) -> int:
    """Non-zero when any step that is available failed; "not available yet" is not a failure."""
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
