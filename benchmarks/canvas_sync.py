"""A full Canvas sync against the Canvas simulator over real HTTP on loopback.

Prints, as its last stdout line, one JSON object:
{"size", "records", "requests", "full_s", "per_stream": {STREAM: records fetched},
 "incremental_all_s", "incremental_all_requests", "incremental_all_writes",
 "full_requests_by_endpoint", "incremental_requests_by_endpoint": {ENDPOINT: requests}}

- full_s: `bridge sync --full` into an empty register (SQLite unless --database-url);
- per_stream: the records each stream fetched;
- incremental_all_*: an immediate second `bridge sync --all-streams` (nothing changed).

The simulator answers at once (there is no Canvas cost model), so the figures measure the
bridge's own work and the number of requests, the figure that decides the time on a real
Canvas, whose rate limit allows a few requests a second per token once its bucket is spent.

Usage: python benchmarks/canvas_sync.py [--size bench-10k|demo|tiny] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from click.testing import CliRunner  # noqa: E402

from bridge.cli.main import cli  # noqa: E402
from connectors.canvas.simulator import SimulatedCanvas  # noqa: E402
from connectors.canvas.simulator.app import ROUTES  # noqa: E402
from connectors.canvas.simulator.server import running_server  # noqa: E402
from tests.connectors.canvas.helpers import write_canvas_config  # noqa: E402


def _sync(config: Path, *args: str) -> tuple[dict, float]:
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["--config", str(config), "sync", "--json", *args])
    elapsed = time.monotonic() - started
    if result.exit_code != 0:
        raise SystemExit(f"sync failed: {result.stdout[-500:]} {result.stderr[-500:]}")
    return json.loads(result.stdout.strip().splitlines()[-1]), elapsed


def _by_endpoint(asked: list[tuple[str, str]]) -> dict[str, int]:
    """How many requests went to each endpoint (a per-user endpoint shows up here)."""
    counts: dict[str, int] = {}
    for method, target in asked:
        path = urlsplit(target).path
        name = next((e.name for e, p in ROUTES if e.method == method and p.match(path)), path)
        counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="bench-10k")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        db_url = args.database_url or f"sqlite:///{directory}/register.sqlite3"
        sim = SimulatedCanvas(args.size)
        with running_server(sim) as url:
            config = write_canvas_config(directory, db_url, url, sim.token)
            CliRunner().invoke(cli, ["--config", str(config), "db", "upgrade"])
            full, full_s = _sync(config, "--full")
            first = len(sim.requests)
            again, again_s = _sync(config, "--all-streams")
    streams = full["streams"]
    written = sum(s["created"] + s["updated"] for s in again["streams"].values())
    print(json.dumps({
        "size": args.size,
        "records": sum(s["fetched"] for s in streams.values()),
        "requests": full["requests"],
        "full_s": round(full_s, 1),
        "per_stream": {name: s["fetched"] for name, s in streams.items()},
        "incremental_all_s": round(again_s, 1),
        "incremental_all_requests": again["requests"],
        "incremental_all_writes": written,
        "full_requests_by_endpoint": _by_endpoint(sim.requests[:first]),
        "incremental_requests_by_endpoint": _by_endpoint(sim.requests[first:]),
    }))


if __name__ == "__main__":
    main()
