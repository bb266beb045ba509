"""`bridge demo`: the full cycle against the built-in Moodle simulator."""

from __future__ import annotations

import sys
from typing import cast

import click

from bridge.cli.demo.run import run_demo


@click.command("demo")
@click.option(
    "--size",
    default="demo",
    show_default=True,
    type=click.Choice(["tiny", "demo"]),
    help="How big the simulated site is (tiny runs in seconds).",
)
@click.option("--keep", is_flag=True, help="Keep the throw-away workspace for a look around.")
@click.pass_context
def demo(ctx: click.Context, size: str, keep: bool) -> None:
    """Run the whole product on a throw-away workspace against a simulated Moodle."""
    sys.exit(run_demo(cast(click.Group, ctx.find_root().command), size, keep))


def register(cli: click.Group) -> None:
    cli.add_command(demo)
