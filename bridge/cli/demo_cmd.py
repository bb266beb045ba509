"""`bridge demo`: the full cycle against the built-in Moodle simulator."""

from __future__ import annotations

import sys

import click


@click.command("demo")
@click.option("--size", default="demo", show_default=True, type=click.Choice(["tiny", "demo"]))
@click.option("--keep", is_flag=True, help="Keep the throw-away workspace for a look around.")
def demo(size: str, keep: bool) -> None:
    """Run the whole product on a throw-away workspace against a simulated Moodle."""
    from bridge.demo import run_demo

    sys.exit(run_demo(size, keep))


def register(cli: click.Group) -> None:
    cli.add_command(demo)
