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
- incremental_*: an immediate second plain `bridge sync`, and one with --all-streams.

Usage: python benchmarks/sync_throughput.py [--size bench-10k] [--database-url URL] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
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


def start_simulator(size: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "connectors.moodle.simulator", "serve", "--size", size],
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


def bridge_sync(config: Path, *args: str) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "bridge.cli", "--config", str(config), "sync", "--json", *args],
        capture_output=True, text=True, cwd=REPO,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"bridge sync {' '.join(args)} failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1]), elapsed


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
                        choices=["tiny", "demo", "bench-10k", "bench-100k"])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--repeat", type=int, default=5,
                        help="runs of the insert-only and limit measurements (the best counts)")
    args = parser.parse_args()
    workspace = Path(tempfile.mkdtemp(prefix="bridge-bench-"))
    database_url = args.database_url or f"sqlite:///{workspace}/register.sqlite3"
    simulator, ready = start_simulator(args.size)
    try:
        config = workspace / "bridge.toml"
        config.write_text(config_text(
            register_name="Benchmark register", secret_file=workspace / "register.secret",
            database_url=database_url, moodle_url=ready["url"], token=ready["token"],
            operators={operator_name(): "admin"}, connector_extra='timeout = "120s"\n'))
        (workspace / "register.secret").write_text("0" * 64 + "\n")
        reset(database_url)
        full, full_s = bridge_sync(config, "--full")
        peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        incremental, incremental_s = bridge_sync(config)
        incremental_writes = rows_written(database_url) if incremental["streams"] else 0
        _, incremental_all_s = bridge_sync(config, "--all-streams")
        incremental_all_writes = rows_written(database_url)
        batches, fetch_only_s = fetch_all(config)
        insert_only_s = min(insert_all(database_url, batches) for _ in range(args.repeat))
        flat = [r for batch in batches for r in batch.records]
        limit_rows, limit_s = min(
            (measure_limit(database_url, flat) for _ in range(args.repeat)),
            key=lambda measured: measured[1],
        )
    finally:
        simulator.send_signal(signal.SIGTERM)
        simulator.wait(timeout=60)
    records = sum(s["fetched"] for s in full["streams"].values())
    print(json.dumps({
        "size": args.size,
        "database": database_url.split(":", 1)[0],
        "records": records,
        "requests": full["requests"],
        "full_s": round(full_s, 2),
        "fetch_only_s": round(fetch_only_s, 2),
        "insert_only_s": round(insert_only_s, 2),
        "overhead_ratio": round(full_s / (fetch_only_s + insert_only_s), 3),
        "incremental_s": round(incremental_s, 2),
        "incremental_requests": incremental["requests"],
        "incremental_writes": incremental_writes,
        "incremental_all_s": round(incremental_all_s, 2),
        "incremental_all_writes": incremental_all_writes,
        "peak_rss_mb": round(peak_rss_mb, 1),
        "insert_rows_per_s": round(records / insert_only_s),
        "limit_rows_per_s": round(limit_rows / limit_s),
        "limit_ratio": round((records / insert_only_s) / (limit_rows / limit_s), 3),
    }))


if __name__ == "__main__":
    main()
