"""`bridge simulator serve`: an installed connector kind's simulated LMS on 127.0.0.1, for
demos and trials. The kind's connector offers it (``Connector.simulator``)."""

from __future__ import annotations

import sys

import click

from bridge.cli.options import lms_option
from bridge.settings.durations import parse_duration
from connectors.simulation import LmsSimulator


@click.group("simulator")
def simulator() -> None:
    """A simulated LMS site (test and demo server, loopback only)."""


@simulator.command("serve")
@lms_option
@click.option(
    "--size",
    default="demo",
    show_default=True,
    help="Which generated site to serve (people, courses and activity); Moodle's: tiny, "
    "demo, bench-10k, bench-100k, sample-site.",
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
@click.option(
    "--cron-every",
    default="60s",
    show_default=True,
    help="How often the site runs its scheduled work (Moodle's cron: scheduled and privacy "
    "tasks), as a real site does every minute; approved erasures complete then. 0 = never.",
)
def simulator_serve(
    simulator: LmsSimulator, size: str, port: int, seed: int, faults: float, cron_every: str
) -> None:
    """Serve until SIGTERM/SIGINT; prints {"url": ..., "token": ...} when ready."""
    if size not in simulator.sizes:
        raise click.BadParameter(
            f"{size!r} is not a size of the {simulator.lms_name} simulator "
            f"({', '.join(simulator.sizes)})",
            param_hint="--size",
        )
    try:
        every = 0.0 if cron_every.strip() == "0" else parse_duration(cron_every).total_seconds()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--cron-every") from None
    sys.exit(
        simulator.serve(size, seed=seed, port=port, faults=faults, background_every=every)
    )


def register(cli: click.Group) -> None:
    cli.add_command(simulator)
