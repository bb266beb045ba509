"""Sync throughput against the Moodle simulator over real HTTP on loopback.

Prints, as its last stdout line, one JSON object:
{"size", "records", "requests", "full_s", "fetch_only_s", "insert_only_s", "overhead_ratio",
 "incremental_s", "incremental_requests", "incremental_writes", "incremental_all_s",
 "incremental_all_writes", "peak_rss_mb", "insert_rows_per_s", "limit_rows_per_s", "limit_ratio"}

- full_s: `bridge sync --full` into an empty register (a child process; its peak RSS is
  peak_rss_mb);
- fetch_only_s: the same pulls with every batch discarded;
- insert_only_s: the same records written from memory into an empty register
  (insert_rows_per_s = records / insert_only_s), the best of --repeat runs;
- limit_rows_per_s: the same rows written by the database's plainest fast path into bare
  tables (SQLite executemany in one transaction, PostgreSQL COPY; see write_limit.py), the
  best of --repeat runs, and limit_ratio = insert_rows_per_s / limit_rows_per_s (goal ≥ 0.25).
  Both sides take their best run, as ``timeit`` does: on a shared machine the slower runs
  measure the neighbours;
- incremental_*: an immediate second plain `bridge sync`, and one with --all-streams;
- bridge_cpu_s: the bridge's own CPU for the full sync (user + system of its process);
  lms_wait_s: how long during the full sync at least one request waited for Moodle's
  answer (from the client's debug lines);
  slowest_request_s, slowest_function: the answer Moodle took longest to start sending.

The simulator answers as slowly as the measured real Moodle 4.5 with its 4 PHP workers
(``connectors/moodle/simulator/costs.py``); ``--no-cost-model`` makes it answer at once.
``--size bench-real`` is that measured site itself as data (``simulator/grown.py``): its 4
seeded courses, two of 1,000 learners with 100 assignments each (about 56 MB of user
report per course) and four of 100; the uniform ``bench-*`` sizes spread their learners
over equal small courses.

Against a real Moodle (read-only: the bridge only reads, as a sync does), with
``--url URL --token-file FILE``: the site's own settings apply (the default timeout
included), the fetch-only, insert-only and limit measurements are left out (they read the
site again) and, with ``--lms-process NAME`` (e.g. ``php``), lms_cpu_s is the CPU that
processes of that name on this host used during the full sync (Moodle's PHP when it runs
here). A failed full sync is reported (status, failed streams), not hidden.

Usage: python benchmarks/sync_throughput.py [--size bench-10k|bench-real] [--database-url URL]
           [--repeat 5]
       python benchmarks/sync_throughput.py --url URL --token-file FILE [--lms-process php]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.write_limit import measure as measure_limit  # noqa: E402
from bridge.clock import utcnow  # noqa: E402
from bridge.services.audit.identity import operator_name  # noqa: E402
from bridge.services.lms import open_connector  # noqa: E402
from bridge.services.sync.record_store import RecordStore  # noqa: E402
from bridge.settings import load_settings  # noqa: E402
from bridge.settings.template import config_text  # noqa: E402
from bridge.store.db import make_engine, session_factory  # noqa: E402
from bridge.store.models import Base  # noqa: E402
from bridge.store.schema import upgrade  # noqa: E402


def start_simulator(size: str, costed: bool) -> tuple[subprocess.Popen[str], dict[str, str]]:
    cost_model = ["--cost-model"] if costed else []
    process = subprocess.Popen(
        [sys.executable, "-m", "connectors.moodle.simulator", "serve", "--size", size,
         *cost_model],
        stdout=subprocess.PIPE, text=True, cwd=REPO,
    )
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


def reset(database_url: str) -> None:
    """An empty register at the head revision (on PostgreSQL the whole schema goes: the
    migrations also create functions and triggers that ``drop_all`` leaves behind)."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
        else:
            Base.metadata.drop_all(connection)
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade(engine)
    engine.dispose()


@dataclass
class Run:
    """One `bridge sync` child process: its JSON, wall time, CPU and slowest answer."""

    summary: dict[str, Any]
    wall_s: float
    cpu_s: float
    slowest_s: float = 0.0
    slowest_function: str | None = None
    lms_wait_s: float = 0.0


ANSWER = re.compile(
    r"^(\S+ \S+) DEBUG \S+ wsfunction=(\w+) status=\d+ bytes=\d+ type=\S* seconds=([\d.]+)",
    re.M,
)


def waiting_s(answers: list[tuple[float, float]]) -> float:
    """How long at least one request was waiting for Moodle: the union of the intervals
    (answer time minus its seconds, answer time) of every answer."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted((end - seconds, end) for end, seconds in answers):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def bridge_sync(config: Path, *args: str, tolerate_failure: bool = False) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "bridge.cli", "--config", str(config), "-vv", "sync", "--json",
         *args],
        capture_output=True, text=True, cwd=REPO,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0 and not (tolerate_failure and result.stdout.strip()):
        raise SystemExit(f"bridge sync {' '.join(args)} failed: {result.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    found = [(_stamp(m.group(1)), m.group(2), float(m.group(3)))
             for m in ANSWER.finditer(result.stderr)]
    slowest = max(((seconds, name) for _, name, seconds in found), default=(0.0, None))
    waited = waiting_s([(end, seconds) for end, _, seconds in found])
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return Run(summary, elapsed, cpu, slowest[0], slowest[1], waited)


def _stamp(logged: str) -> float:
    """A log line's time (``2026-12-07 18:56:45,007``) in seconds."""
    return datetime.strptime(logged, "%Y-%m-%d %H:%M:%S,%f").timestamp()


def process_cpu_s(name: str) -> float:
    """CPU seconds (user + system) used so far by this host's processes called ``name``."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        command, fields = text[text.index("(") + 1 : text.rindex(")")], text.rsplit(")", 1)[1]
        if command == name:
            values = fields.split()
            total += int(values[11]) + int(values[12])  # utime, stime
    return total / tick


def rows_written(database_url: str) -> int:
    """Data rows the last run wrote (its per-stream write counts)."""
    engine = make_engine(database_url)
    with engine.connect() as connection:
        streams = connection.exec_driver_sql(
            "SELECT streams FROM sync_runs ORDER BY id DESC LIMIT 1").scalar_one()
    engine.dispose()
    if isinstance(streams, str):
        streams = json.loads(streams)
    return sum(s.get("rows_written", 0) for s in streams.values())


def fetch_all(config: Path) -> tuple[list[Any], float]:
    settings = load_settings(config)
    token = settings.connector_token("moodle")
    connector = open_connector(settings, "moodle", token, stop_event=threading.Event())
    batches = []
    started = time.perf_counter()
    for stream in connector.streams:
        batches.extend(connector.pull(stream, None))
    elapsed = time.perf_counter() - started
    connector.close()
    return batches, elapsed


def insert_all(database_url: str, batches: list[Any]) -> float:
    """Seconds to store ``batches`` into an empty register, one transaction each (as a
    sync does)."""
    reset(database_url)
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    store = RecordStore("moodle", run_id=None, now=utcnow())
    started = time.perf_counter()
    for batch in batches:
        with sessions() as session, session.begin():
            store.store(session, batch.records)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="bench-10k",
                        choices=["tiny", "demo", "bench-10k", "bench-100k", "bench-real"])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--repeat", type=int, default=5,
                        help="runs of the insert-only and limit measurements (the best counts)")
    parser.add_argument("--url", help="a real Moodle instead of the simulator (read-only)")
    parser.add_argument("--token-file", type=Path, help="with --url: the token's file")
    parser.add_argument("--lms-process", help="with --url: the LMS's process name on this host")
    parser.add_argument("--no-cost-model", action="store_true",
                        help="the simulator answers at once instead of as a real Moodle would")
    args = parser.parse_args()
    if bool(args.url) != bool(args.token_file):
        parser.error("--url and --token-file go together")
    workspace = Path(tempfile.mkdtemp(prefix="bridge-bench-"))
    database_url = args.database_url or f"sqlite:///{workspace}/register.sqlite3"
    simulator = None
    if args.url:
        url, token, extra = args.url, args.token_file.read_text().strip(), ""
    else:
        simulator, ready = start_simulator(args.size, costed=not args.no_cost_model)
        url, token, extra = ready["url"], ready["token"], ""  # the default settings
    try:
        config = workspace / "bridge.toml"
        config.write_text(config_text(
            register_name="Benchmark register", secret_file=workspace / "register.secret",
            database_url=database_url, moodle_url=url, token=token,
            operators={operator_name(): "admin"}, connector_extra=extra))
        (workspace / "register.secret").write_text("0" * 64 + "\n")
        reset(database_url)
        lms_before = process_cpu_s(args.lms_process) if args.lms_process else None
        full = bridge_sync(config, "--full", tolerate_failure=bool(args.url))
        lms_cpu_s = process_cpu_s(args.lms_process) - lms_before if args.lms_process else None
        peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        incremental = bridge_sync(config, tolerate_failure=bool(args.url))
        incremental_writes = rows_written(database_url) if incremental.summary["streams"] else 0
        incremental_all = bridge_sync(config, "--all-streams", tolerate_failure=bool(args.url))
        incremental_all_writes = rows_written(database_url)
        local = None if args.url else local_figures(config, database_url, args.repeat)
    finally:
        if simulator is not None:
            simulator.send_signal(signal.SIGTERM)
            simulator.wait(timeout=60)
    records = sum(s["fetched"] for s in full.summary["streams"].values())
    figures: dict[str, Any] = {
        "site": (args.url and "live") or args.size,
        "database": database_url.split(":", 1)[0],
        "status": full.summary["status"],
        "failed_streams": sorted(n for n, s in full.summary["streams"].items()
                                 if s.get("status") == "failed"),
        "records": records,
        "requests": full.summary["requests"],
        "full_s": round(full.wall_s, 2),
        "bridge_cpu_s": round(full.cpu_s, 2),
        "lms_cpu_s": None if lms_cpu_s is None else round(lms_cpu_s, 2),
        "lms_wait_s": round(full.lms_wait_s, 2),
        "slowest_request_s": round(full.slowest_s, 2),
        "slowest_function": full.slowest_function,
        "incremental_s": round(incremental.wall_s, 2),
        "incremental_requests": incremental.summary["requests"],
        "incremental_writes": incremental_writes,
        "incremental_all_s": round(incremental_all.wall_s, 2),
        "incremental_all_ratio": round(incremental_all.wall_s / full.wall_s, 3),
        "incremental_all_writes": incremental_all_writes,
        "peak_rss_mb": round(peak_rss_mb, 1),
    }
    if local is not None:
        fetch_only_s, insert_only_s, limit_rows, limit_s = local
        figures |= {
            "fetch_only_s": round(fetch_only_s, 2),
            "insert_only_s": round(insert_only_s, 2),
            "overhead_ratio": round(full.wall_s / (fetch_only_s + insert_only_s), 3),
            "insert_rows_per_s": round(records / insert_only_s),
            "limit_rows_per_s": round(limit_rows / limit_s),
            "limit_ratio": round((records / insert_only_s) / (limit_rows / limit_s), 3),
        }
    print(json.dumps(figures))


def local_figures(config: Path, database_url: str, repeat: int) -> tuple[float, float, int, float]:
    """Fetch-only, insert-only (best of ``repeat``) and the database's write limit."""
    batches, fetch_only_s = fetch_all(config)
    insert_only_s = min(insert_all(database_url, batches) for _ in range(repeat))
    flat = [r for batch in batches for r in batch.records]
    limit_rows, limit_s = min(
        (measure_limit(database_url, flat) for _ in range(repeat)),
        key=lambda measured: measured[1],
    )
    return fetch_only_s, insert_only_s, limit_rows, limit_s


if __name__ == "__main__":
    main()
