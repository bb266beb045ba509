"""`bridge simulator serve`: the built-in Moodle simulator on 127.0.0.1, for demos and trials."""

from __future__ import annotations

import sys

import click


@click.group("simulator")
def simulator() -> None:
    """A simulated Moodle 4.5 site (test and demo server, loopback only)."""


@simulator.command("serve")
@click.option(
    "--size",
    default="demo",
    show_default=True,
    type=click.Choice(["tiny", "demo", "bench-10k", "bench-100k", "sample-site"]),
    help="Which generated site to serve (people, courses and activity).",
)
@click.option("--port", type=int, default=0, show_default=True, help="0 = any free port.")
@click.option(
    "--seed", type=int, default=1, show_default=True, help="Seed of the generated site's data."
)
@click.option(
    "--faults",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Share of requests answered with a transport fault.",
)
def simulator_serve(size: str, port: int, seed: int, faults: float) -> None:
    """Serve until SIGTERM/SIGINT; prints {"url": ..., "token": ...} when ready."""
    from connectors.moodle.simulator.server import serve

    sys.exit(serve(size, port, seed, faults))


def register(cli: click.Group) -> None:
    cli.add_command(simulator)
