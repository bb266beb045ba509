"""``python -m connectors.moodle.simulator serve --size demo --port 0 --seed 1 --faults 0.2``."""

from __future__ import annotations

import argparse
import sys

from connectors.moodle.simulator.costs import CostModel
from connectors.moodle.simulator.dataset import dataset_sizes
from connectors.moodle.simulator.server import LOOPBACK, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m connectors.moodle.simulator",
                                     description="A simulated Moodle 4.5 web-service site.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve a simulated site on 127.0.0.1")
    run.add_argument("--size", default="demo", choices=dataset_sizes())
    run.add_argument("--port", type=int, default=0, help="0 = any free port")
    run.add_argument("--seed", type=int, default=1)
    run.add_argument("--faults", type=float, default=0.0,
                     help="share of requests answered with a transport fault (0..1)")
    run.add_argument("--fault-delay", type=float, default=5.0,
                     help="seconds a 'timeout' fault stalls")
    run.add_argument("--token", default=None, help="token to accept (default: derived from seed)")
    run.add_argument("--host", default=LOOPBACK)
    run.add_argument("--cost-model", action="store_true",
                     help="answer as slowly as a real Moodle 4.5 with 4 PHP workers (costs.py)")
    args = parser.parse_args(argv)
    return serve(args.size, args.port, args.seed, args.faults, host=args.host, token=args.token,
                 fault_delay=args.fault_delay, costs=CostModel() if args.cost_model else None)


if __name__ == "__main__":
    sys.exit(main())
