"""`bridge demo`: the full cycle against an installed LMS kind's simulator (Moodle's by
default)."""

from __future__ import annotations

import sys
from typing import cast

import click

from bridge.cli.demo.run import run_demo
from bridge.cli.options import lms_kind, lms_option
from connectors.simulation import LmsSimulator


@click.command("demo")
@lms_option
@click.option(
    "--size",
    default="demo",
    show_default=True,
    type=click.Choice(["tiny", "demo"]),
    help="How big the simulated site is (tiny runs in seconds).",
)
@click.option("--keep", is_flag=True, help="Keep the throw-away workspace for a look around.")
@click.pass_context
def demo(ctx: click.Context, simulator: LmsSimulator, size: str, keep: bool) -> None:
    """Run the whole product on a throw-away workspace against a simulated LMS."""
    root = cast(click.Group, ctx.find_root().command)
    sys.exit(run_demo(root, size, keep, simulator, lms_kind(ctx)))


def register(cli: click.Group) -> None:
    cli.add_command(demo)
