"""Revocation latency: from `consent withdraw` returning to Moodle showing the user suspended.

    .venv/bin/python benchmarks/revocation_latency.py [--n 50] [--interval 0.2]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

A simulated Moodle (``demo`` size, plus extra learners when ``--n`` needs them) is served
over real HTTP; a register is created (SQLite in a temporary directory, or a fresh
database on the given PostgreSQL server) and fully synced; a push worker runs continuously
in its own process (`bridge push run`, daemon.push_interval 0.2 s). The first withdrawal
meets a worker that is still starting: it is reported on its own (``warmup_s``), not mixed
into the percentiles, and every sample is listed (``samples_s``). The service
consent of N persons is then withdrawn one by one through the service function, and for
each the time from the withdrawal's commit to the account reading back as suspended
through the web service (``core_user_get_users``, polled every 10 ms) is measured.

The last stdout line is JSON: ``{"n": n, "warmup_s": x, "p50_s": x, "p95_s": x, "max_s": x,
"samples_s": [x, ...]}`` (percentiles over the n samples after the warm-up one).
Target: p95 < 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bridge.services.audit import Actor  # noqa: E402
from bridge.services.audit.chain import bind_register_secret  # noqa: E402
from bridge.services.audit.identity import operator_name  # noqa: E402
from bridge.services.register.lookup import find_person  # noqa: E402
from bridge.services.rights import consent  # noqa: E402
from bridge.services.secrets import ensure_register_secret  # noqa: E402
from bridge.settings import load_settings  # noqa: E402
from bridge.settings.template import config_text  # noqa: E402
from bridge.store.db import make_engine, normalise_url, session_factory  # noqa: E402
from bridge.store.schema import upgrade  # noqa: E402
from connectors.moodle.simulator import SimulatedMoodle  # noqa: E402
from connectors.moodle.simulator.app import REST_PATH  # noqa: E402
from connectors.moodle.simulator.server import running_server  # noqa: E402

#: The benchmark's commands act as whoever runs it; its config maps that OS user to admin.
OPERATOR = operator_name()
POLL_S = 0.01
TIMEOUT_S = 60.0


@contextmanager
def register_database(url: str | None, workspace: Path) -> Iterator[str]:
    """SQLite in the workspace, or a fresh database on the PostgreSQL server of ``url``."""
    if url is None:
        yield f"sqlite:///{workspace}/register.sqlite3"
        return
    server = make_url(normalise_url(url))
    name = f"bridge_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def bridge(config: Path, *args: str) -> None:
    """Run one `bridge` command as a user would (the CLI is a program here, not a library)."""
    done = subprocess.run([sys.executable, "-m", "bridge.cli", "--config", str(config), *args],
                          cwd=ROOT, check=False)
    if done.returncode:
        raise RuntimeError(f"bridge {' '.join(args)} exited {done.returncode}")


def suspended(url: str, token: str, lms_user_id: int) -> bool:
    fields = {"wstoken": token, "wsfunction": "core_user_get_users",
              "moodlewsrestformat": "json", "criteria[0][key]": "id",
              "criteria[0][value]": str(lms_user_id)}
    users = requests.post(url + REST_PATH, data=fields, timeout=10).json().get("users") or []
    return bool(users and users[0].get("suspended"))


def learners(db_url: str) -> list[tuple[int, int]]:
    """(person id, LMS user id) of active learners whose account is not suspended."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT DISTINCT p.id, a.lms_user_id FROM persons p "
                "JOIN lms_accounts a ON a.person_id = p.id "
                "JOIN lms_enrolments e ON e.lms_user_id = a.lms_user_id "
                "WHERE CAST(e.roles AS TEXT) LIKE :role AND p.status = 'active' "
                "AND a.suspended = false ORDER BY p.id"
            ), {"role": "%student%"})
            return [(int(r[0]), int(r[1])) for r in rows]
    finally:
        engine.dispose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50, help="persons to withdraw consent for")
    parser.add_argument("--interval", type=float, default=0.2, help="push worker poll (s)")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server (default SQLite)")
    args = parser.parse_args(argv)

    sim = SimulatedMoodle("demo", seed=1)
    sim.add_students(max(0, args.n - 29))  # the demo site has ~40 learners; N may need more
    with tempfile.TemporaryDirectory(prefix="bridge-bench-") as tmp, running_server(sim) as url, \
            register_database(args.database_url, Path(tmp)) as db_url:
        workspace = Path(tmp)
        config = workspace / "bridge.toml"
        config.write_text(
            config_text(register_name="Revocation latency benchmark",
                        secret_file=workspace / "register.secret", database_url=db_url,
                        moodle_url=url, token=sim.token, operators={OPERATOR: "admin"},
                        extra=f'[daemon]\npush_interval = "{args.interval}s"\n'),
            encoding="utf-8")
        ensure_register_secret(workspace / "register.secret")
        engine = make_engine(db_url)
        upgrade(engine)
        bridge(config, "sync", "--full")
        people = learners(db_url)[: args.n + 1]  # the first one meets a starting worker
        if len(people) < args.n + 1:
            raise SystemExit(f"only {len(people)} learners to withdraw, --n {args.n} asked")
        settings, sessions = load_settings(config), session_factory(engine)
        bind_register_secret(engine, settings.register.secret_file)  # audit rows are signed
        actor = Actor(OPERATOR, "admin")
        worker = subprocess.Popen(
            [sys.executable, "-m", "bridge.cli", "--config", str(config), "push", "run"],
            cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        latencies: list[float] = []
        try:
            for person_id, lms_user_id in people:
                with sessions() as session, session.begin():
                    person = find_person(session, person_id=person_id, email=None)
                    consent.withdraw(session, settings, actor, person, purpose="service",
                                     reason="benchmark")
                started = time.monotonic()  # the command has returned (committed)
                while not suspended(url, sim.token, lms_user_id):
                    if worker.poll() is not None:
                        raise SystemExit(f"push worker exited: {worker.stderr.read()!r}")  # type: ignore[union-attr]
                    if time.monotonic() - started > TIMEOUT_S:
                        raise SystemExit(f"user {lms_user_id} not suspended after {TIMEOUT_S}s")
                    time.sleep(POLL_S)
                latencies.append(time.monotonic() - started)
        finally:
            worker.send_signal(signal.SIGINT)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
            engine.dispose()
    backend = "postgresql" if args.database_url else "sqlite"
    warmup, counted = latencies[0], latencies[1:]
    print(f"{backend}: {len(counted)} withdrawals after the warm-up one ({warmup:.3f} s), "
          f"mean {statistics.mean(counted):.3f} s")
    result = {"n": len(counted), "warmup_s": round(warmup, 3),
              "p50_s": round(percentile(counted, 0.50), 3),
              "p95_s": round(percentile(counted, 0.95), 3),
              "max_s": round(max(counted), 3),
              "samples_s": [round(x, 3) for x in counted]}
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
